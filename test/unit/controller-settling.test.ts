// When a Pending run's status write waits for another controller's routine
// next step, and when it is written at once.
import { describe, expect, test } from '@jest/globals';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { HOST_CONTAINER_NAME } from '../../operator/src/api/names.js';
import { SETTLE_LIMIT_MS, settlingUntil } from '../../operator/src/controller/settling.js';

const CREATED = new Date('2026-12-06T10:00:00Z');
const secondsAfterCreation = (seconds: number) => new Date(CREATED.getTime() + seconds * 1000);

function job(status: V1Job['status'] = {}, spec: Partial<NonNullable<V1Job['spec']>> = {}): V1Job {
  return { metadata: { name: 'seed-g1', creationTimestamp: CREATED }, spec: { template: {}, ...spec }, status };
}

function pod(status: V1Pod['status'] = {}, extra: Partial<NonNullable<V1Pod['metadata']>> = {}): V1Pod {
  return { metadata: { name: 'seed-g1-abcde', creationTimestamp: CREATED, ...extra }, status: { phase: 'Pending', ...status } };
}

const scheduledAt = (seconds: number) => ({ type: 'PodScheduled', status: 'True', lastTransitionTime: secondsAfterCreation(seconds) });
const synced = { startTime: CREATED, active: 1 };

describe('settlingUntil', () => {
  test('a Job the Job controller has not synced yet settles until the limit from its creation', () => {
    expect(settlingUntil({ job: job(), pods: [] }, secondsAfterCreation(1))).toEqual(secondsAfterCreation(SETTLE_LIMIT_MS / 1000));
  });

  test('a synced Job with no Pod is news (quota, admission) and is written at once', () => {
    expect(settlingUntil({ job: job(synced), pods: [] }, secondsAfterCreation(1))).toBeUndefined();
  });

  test('a Pod the scheduler has not looked at yet settles', () => {
    expect(settlingUntil({ job: job(synced), pods: [pod()] }, secondsAfterCreation(2))).toEqual(secondsAfterCreation(15));
  });

  test("the scheduler's refusal (PodScheduled False) is written at once", () => {
    const refused = pod({ conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] });
    expect(settlingUntil({ job: job(synced), pods: [refused] }, secondsAfterCreation(2))).toBeUndefined();
  });

  test('a placed Pod the node has not reported on settles from when it was placed', () => {
    const placed = pod({ conditions: [scheduledAt(4)] });
    expect(settlingUntil({ job: job(synced), pods: [placed] }, secondsAfterCreation(5))).toEqual(secondsAfterCreation(4 + SETTLE_LIMIT_MS / 1000));
  });

  test("once the node reports the host container, the status is written (it says what the container waits on)", () => {
    const reported = pod({ conditions: [scheduledAt(1)], containerStatuses: [{ name: HOST_CONTAINER_NAME, image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] });
    expect(settlingUntil({ job: job(synced), pods: [reported] }, secondsAfterCreation(2))).toBeUndefined();
  });

  test('a wait that has lasted the limit is no longer routine and is written', () => {
    expect(settlingUntil({ job: job(), pods: [] }, secondsAfterCreation(SETTLE_LIMIT_MS / 1000))).toBeUndefined();
    expect(settlingUntil({ job: job(synced), pods: [pod()] }, secondsAfterCreation(16))).toBeUndefined();
  });

  test('a running or deleted Pod never waits', () => {
    expect(settlingUntil({ job: job(synced), pods: [pod({ phase: 'Running' })] }, secondsAfterCreation(1))).toBeUndefined();
    expect(settlingUntil({ job: job(synced), pods: [pod({}, { deletionTimestamp: CREATED })] }, secondsAfterCreation(1))).toBeUndefined();
  });

  test('the newest Pod decides: a retry waiting for the scheduler settles even after a failed one', () => {
    const failed = pod({ phase: 'Failed' }, { name: 'seed-g1-old' });
    const retry = pod({}, { name: 'seed-g1-new', creationTimestamp: secondsAfterCreation(3) });
    expect(settlingUntil({ job: job(synced), pods: [retry, failed] }, secondsAfterCreation(4))).toEqual(secondsAfterCreation(18));
  });

  test('a suspended, finished or failing Job never waits', () => {
    const now = secondsAfterCreation(1);
    expect(settlingUntil({ job: job({}, { suspend: true }), pods: [] }, now)).toBeUndefined();
    for (const type of ['Complete', 'Failed', 'FailureTarget', 'SuccessCriteriaMet', 'Suspended']) {
      expect(settlingUntil({ job: job({ conditions: [{ type, status: 'True' }] }), pods: [pod()] }, now)).toBeUndefined();
    }
  });

  test('no observed run is never settling', () => {
    expect(settlingUntil(undefined, secondsAfterCreation(1))).toBeUndefined();
  });
});
