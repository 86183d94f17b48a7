// The next time a CronJob schedule fires, as the NEXT RUN column shows it.
import { describe, expect, test } from '@jest/globals';
import { nextScheduleTime, parseCronSchedule } from '../../operator/src/controller/cron-schedule.js';

const at = (iso: string) => new Date(iso);
const next = (schedule: string, now: string, zone?: string) => nextScheduleTime(schedule, zone, at(now))?.toISOString();

describe('nextScheduleTime', () => {
  test.each([
    ['* * * * *', '2030-01-01T10:00:30Z', '2030-01-01T10:01:00.000Z'],
    ['*/15 * * * *', '2030-01-01T10:00:00Z', '2030-01-01T10:15:00.000Z'],
    ['5/20 * * * *', '2030-01-01T10:26:00Z', '2030-01-01T10:45:00.000Z'],
    ['0 9-17/4 * * *', '2030-01-01T14:00:00Z', '2030-01-01T17:00:00.000Z'],
    ['@hourly', '2030-01-01T10:59:59Z', '2030-01-01T11:00:00.000Z'],
    ['@daily', '2030-01-01T10:00:00Z', '2030-01-02T00:00:00.000Z'],
    ['@weekly', '2030-01-01T10:00:00Z', '2030-01-06T00:00:00.000Z'],
    ['0 0 1 jan *', '2030-06-01T00:00:00Z', '2031-01-01T00:00:00.000Z'],
    ['30 8 * * MON-FRI', '2030-01-05T09:00:00Z', '2030-01-07T08:30:00.000Z'],
    ['0 0 29 2 *', '2030-03-01T00:00:00Z', '2032-02-29T00:00:00.000Z'],
    ['0 0 * * 7', '2030-01-01T00:00:00Z', '2030-01-06T00:00:00.000Z'],
  ])('%s after %s is %s', (schedule, now, expected) => {
    expect(next(schedule, now)).toBe(expected);
  });

  test('day of month and day of week both given: either matches, as in cron', () => {
    // 2030-01-01 is a Tuesday: the 15th, or the next Friday (the 4th), whichever is first.
    expect(next('0 0 15 * FRI', '2030-01-01T00:00:00Z')).toBe('2030-01-04T00:00:00.000Z');
  });

  test('in a time zone, across a daylight-saving change', () => {
    expect(next('0 9 * * *', '2030-01-01T10:00:00Z', 'Europe/Berlin')).toBe('2030-01-02T08:00:00.000Z');
    // Berlin's clocks go forward on 31 March 2030: 09:00 is then 07:00 UTC.
    expect(next('0 9 * * *', '2030-03-31T06:00:00Z', 'Europe/Berlin')).toBe('2030-03-31T07:00:00.000Z');
    // 02:30 does not exist that night in Berlin: the next one is a day later.
    expect(next('30 2 * * *', '2030-03-31T00:00:00Z', 'Europe/Berlin')).toBe('2030-04-01T00:30:00.000Z');
  });

  test('no time for what cannot be read, has no fixed times, or never comes', () => {
    expect(next('every day', '2030-01-01T00:00:00Z')).toBeUndefined();
    expect(next('@every 5m', '2030-01-01T00:00:00Z')).toBeUndefined();
    expect(next('0 0 31 2 *', '2030-01-01T00:00:00Z')).toBeUndefined();
    expect(next('0 0 * * *', '2030-01-01T00:00:00Z', 'Not/AZone')).toBeUndefined();
    expect(parseCronSchedule('61 * * * *')).toBeUndefined();
  });
});
