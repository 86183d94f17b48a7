// Which of the Jobs the operator just created still wait for their first Pod
// (what holds the operator's events back during a burst of new runs).
import { describe, expect, test } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import { PodWaits } from '../../operator/src/controller/pod-waits.js';
import { JOB_NAME_LABEL } from '../../operator/src/resources/labels.js';

const LIMIT_MS = 15_000;

function podOf(namespace: string, job: string | undefined): V1Pod {
  return { metadata: { name: `${job ?? 'bare'}-abcde`, namespace, labels: job === undefined ? {} : { [JOB_NAME_LABEL]: job } } };
}

function waitsWithClock(): { waits: PodWaits; advance(ms: number): void } {
  let now = 1_000_000;
  return { waits: new PodWaits(LIMIT_MS, () => now), advance: (ms) => (now += ms) };
}

describe('PodWaits', () => {
  test('a created Job waits until a Pod of it is seen', () => {
    const { waits } = waitsWithClock();
    waits.jobCreated('team-a', 'seed-g1');
    waits.jobCreated('team-a', 'other-g1');
    expect(waits.waiting).toBe(2);
    waits.podSeen(podOf('team-a', 'seed-g1'));
    expect(waits.waiting).toBe(1);
    waits.podSeen(podOf('team-a', 'other-g1'));
    expect(waits.waiting).toBe(0);
  });

  test("a Pod of another namespace's Job of the same name, or with no Job label, ends no wait", () => {
    const { waits } = waitsWithClock();
    waits.jobCreated('team-a', 'seed-g1');
    waits.podSeen(podOf('team-b', 'seed-g1'));
    waits.podSeen(podOf('team-a', undefined));
    expect(waits.waiting).toBe(1);
  });

  test('a Job waiting longer than the limit no longer counts (a stuck Job is news, not a burst)', () => {
    const { waits, advance } = waitsWithClock();
    waits.jobCreated('team-a', 'stuck-g1');
    advance(LIMIT_MS - 1);
    waits.jobCreated('team-a', 'later-g1');
    expect(waits.waiting).toBe(2);
    advance(1);
    expect(waits.waiting).toBe(1);
    advance(LIMIT_MS);
    expect(waits.waiting).toBe(0);
  });

  test('a Job created again (deleted and made anew) waits from its new creation', () => {
    const { waits, advance } = waitsWithClock();
    waits.jobCreated('team-a', 'seed-g1');
    advance(LIMIT_MS - 1000);
    waits.jobCreated('team-a', 'other-g1');
    waits.jobCreated('team-a', 'seed-g1');
    advance(2000);
    // Both are younger than the limit now; the first creation's expiry must not drop the second.
    expect(waits.waiting).toBe(2);
  });
});
