// The tests' one polling helper (test/helpers/eventually.ts): what it resolves
// with, what counts as "not yet", and what its timeout says.
import { afterEach, expect, jest, test } from '@jest/globals';
import { eventually } from '../helpers/eventually.js';

afterEach(() => {
  jest.useRealTimers();
});

test('resolves with the first truthy value the probe returns, sync or async', async () => {
  let tries = 0;
  await expect(eventually('the third try', () => (++tries === 3 ? { tries } : undefined), { intervalMs: 1 })).resolves.toEqual({ tries: 3 });
  await expect(eventually('a pod', async () => 'pod-a', { intervalMs: 1 })).resolves.toBe('pod-a');
});

test('a probe that throws counts as not yet', async () => {
  let tries = 0;
  const value = await eventually(
    'the API server',
    async () => {
      if (++tries < 3) throw new Error('connect ECONNREFUSED');
      return true;
    },
    { intervalMs: 1 },
  );
  expect(value).toBe(true);
  expect(tries).toBe(3);
});

test('times out naming what it waited for, and the last error if the last try threw', async () => {
  await expect(eventually('the pod', () => false, { timeoutMs: 30, intervalMs: 5 })).rejects.toThrow('timed out after 30 ms waiting for the pod');
  const refused = new Error('connect ECONNREFUSED');
  const timeout = eventually(
    'the API server',
    () => {
      throw refused;
    },
    { timeoutMs: 30, intervalMs: 5 },
  );
  await expect(timeout).rejects.toThrow('timed out after 30 ms waiting for the API server (the last probe threw: connect ECONNREFUSED)');
  await expect(timeout).rejects.toMatchObject({ cause: refused });
});

test('tries the probe once more at the deadline', async () => {
  const started = Date.now();
  let lastTry = 0;
  await expect(
    eventually(
      'never',
      () => {
        lastTry = Date.now();
        return false;
      },
      { timeoutMs: 60, intervalMs: 1000 },
    ),
  ).rejects.toThrow('waiting for never');
  // The 1 s interval is cut short by the 60 ms deadline; timers may fire a millisecond early.
  expect(lastTry - started).toBeGreaterThanOrEqual(58);
  expect(lastTry - started).toBeLessThan(1000);
});

test('keeps its own pace and deadline on the real clock when a test has switched to fake timers', async () => {
  jest.useFakeTimers();
  let tries = 0;
  await expect(eventually('the fifth try', () => ++tries === 5, { timeoutMs: 2000, intervalMs: 1 })).resolves.toBe(true);
  await expect(eventually('a timer that never fires', () => false, { timeoutMs: 20, intervalMs: 5 })).rejects.toThrow('timed out after 20 ms');
});
