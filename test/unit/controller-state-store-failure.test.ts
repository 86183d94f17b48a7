// A run whose host reported StateStoreUnavailable: the reason and message
// the status, its conditions, the run record and the Event carry.
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { WasiAppResult } from '../../operator/src/api/wasiapp.js';
import { stateStoreFailureMessage, stateStoreTargetFor, type StateStoreTarget } from '../../operator/src/controller/state-store-failure.js';
import { computeStatus } from '../../operator/src/controller/status.js';
import { parseTerminationMessage } from '../../operator/src/controller/termination-message.js';
import { operatorConfig, wasiApp } from '../helpers/wasiapp-fixtures.js';

const T0 = new Date('2030-01-01T00:00:00.000Z');
const REDIS_MESSAGE = 'failed saving state in state store statestore: failed to set key seed||weapon: dial tcp 10.96.0.12:6379: connect: connection refused';
const daprError = { status: 500, errorCode: 'ERR_STATE_SAVE', message: REDIS_MESSAGE, store: 'statestore' };
const failedResult: WasiAppResult = { passed: false, exitCode: 1, reason: 'StateStoreUnavailable', daprError, output: 'Test failed!\n' };
const operatorStore: StateStoreTarget = { store: 'statestore', namespace: 'demo', redisHost: 'redis.test.svc:6379' };

describe('stateStoreTargetFor', () => {
  test("the operator's default Redis, for an app that names none", () => {
    expect(stateStoreTargetFor(wasiApp(), operatorConfig({ defaultRedis: { host: 'redis.test.svc:6379' } }))).toEqual(operatorStore);
  });

  test("the app's own Redis and store name", () => {
    const app = wasiApp({ spec: { dapr: { stateStore: { name: 'orders', redis: { host: 'my-redis.shop:6380' } } } } });
    expect(stateStoreTargetFor(app, operatorConfig())).toEqual({ store: 'orders', namespace: 'demo', redisHost: 'my-redis.shop:6380' });
  });

  test('an existing Component by its name, no Redis host the operator cannot know', () => {
    const app = wasiApp({ spec: { dapr: { stateStore: { existingComponent: 'shared-redis' } } } });
    expect(stateStoreTargetFor(app, operatorConfig())).toEqual({ store: 'shared-redis', namespace: 'demo', existingComponent: 'shared-redis' });
  });

  test('none without Dapr', () => {
    expect(stateStoreTargetFor(wasiApp({ spec: { dapr: { enabled: false } } }), operatorConfig())).toBeUndefined();
  });
});

describe('stateStoreFailureMessage', () => {
  test("names the store, its Redis, daprd's words and what to check", () => {
    expect(stateStoreFailureMessage(failedResult, operatorStore)).toBe(
      `the guest failed (exit code 1): state store "statestore" (Redis at redis.test.svc:6379) failed: ERR_STATE_SAVE: ${REDIS_MESSAGE}; ` +
        'check that Redis at redis.test.svc:6379 is up and reachable from namespace demo',
    );
  });

  test('for an existing Component, names the Component', () => {
    const target: StateStoreTarget = { store: 'shared-redis', namespace: 'demo', existingComponent: 'shared-redis' };
    const message = stateStoreFailureMessage({ ...failedResult, daprError: { ...daprError, store: 'shared-redis' } }, target);
    expect(message).toContain('state store "shared-redis" (the existing Dapr Component shared-redis) failed: ERR_STATE_SAVE: ');
    expect(message).toContain('check that the Redis (or other store) that Component shared-redis names is up and reachable from namespace demo');
  });

  test('a timeout says the store did not answer', () => {
    const timedOut = { status: 0, errorCode: '', message: 'no answer from the Dapr sidecar within 20000 ms (--request-timeout)', store: 'statestore' };
    expect(stateStoreFailureMessage({ ...failedResult, exitCode: 124, daprError: timedOut }, operatorStore)).toBe(
      'the guest failed (exit code 124): state store "statestore" (Redis at redis.test.svc:6379) did not answer: ' +
        'no answer from the Dapr sidecar within 20000 ms (--request-timeout); check that Redis at redis.test.svc:6379 is up and reachable from namespace demo',
    );
  });

  test('another store than the app\'s is named without a Redis host it may not have', () => {
    const message = stateStoreFailureMessage({ ...failedResult, daprError: { ...daprError, store: 'cache' } }, operatorStore);
    expect(message).toContain('state store "cache" failed: ERR_STATE_SAVE');
    expect(message).not.toContain('redis.test.svc');
    expect(message).toContain('check that the store behind the Dapr Component cache (Redis) is up and reachable from namespace demo');
  });

  test('a result without daprError still names the app\'s store and Redis', () => {
    const { daprError: _omitted, ...withoutError } = failedResult;
    void _omitted;
    expect(stateStoreFailureMessage(withoutError, operatorStore)).toContain('state store "statestore" (Redis at redis.test.svc:6379) failed: it failed during the run');
  });
});

describe('the termination message', () => {
  test('carries daprError into status.result', () => {
    const parsed = parseTerminationMessage(JSON.stringify({ ...failedResult, compileMillis: 1 }));
    expect(parsed).toEqual({ ok: true, result: { ...failedResult, compileMillis: 1 } });
  });

  test('a malformed daprError is left out, the rest kept', () => {
    const parsed = parseTerminationMessage(JSON.stringify({ ...failedResult, daprError: 'Redis down' }));
    expect(parsed.ok && parsed.result.daprError).toBeUndefined();
    expect(parsed.ok && parsed.result.reason).toBe('StateStoreUnavailable');
  });
});

describe('computeStatus of a run that failed on its state store', () => {
  const app = wasiApp();
  const job: V1Job = {
    metadata: {
      name: 'seed-g1',
      namespace: 'demo',
      creationTimestamp: new Date('2029-12-31T23:59:00Z'),
      labels: { 'wasi-operator.dev/generation': '1' },
      annotations: { 'wasi-operator.dev/run-trigger': 'Spec' },
    },
    spec: { backoffLimit: 0 } as V1Job['spec'],
    status: { startTime: new Date('2029-12-31T23:59:01Z'), failed: 1, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', lastTransitionTime: new Date('2029-12-31T23:59:40Z') }] },
  };
  const pod: V1Pod = {
    metadata: { name: 'seed-g1-abcde', namespace: 'demo', creationTimestamp: new Date('2029-12-31T23:59:02Z') },
    status: {
      phase: 'Failed',
      containerStatuses: [{
        name: 'wasi-host', image: 'x', imageID: '', ready: false, restartCount: 0,
        state: { terminated: { exitCode: 1, reason: 'Error', message: JSON.stringify(failedResult), finishedAt: new Date('2029-12-31T23:59:30Z') } },
      }],
    },
  };
  const status = computeStatus({
    app,
    runs: [{ job, pods: [pod] }],
    stateStore: { status: 'True', reason: 'ComponentApplied', message: 'applied' },
    stateStoreTarget: operatorStore,
    now: T0,
  });

  test('is Failed with reason StateStoreUnavailable on the Succeeded condition and the run', () => {
    expect(status.phase).toBe('Failed');
    const succeeded = status.conditions?.find((c) => c.type === 'Succeeded');
    expect(succeeded).toMatchObject({ status: 'False', reason: 'StateStoreUnavailable' });
    expect(succeeded?.message).toContain('(Redis at redis.test.svc:6379) failed: ERR_STATE_SAVE: ');
    expect(succeeded?.message).toContain('check that Redis at redis.test.svc:6379 is up');
    // The Failed Event is `run <job>: <run.reason>: <run.message>` (reconcile.ts).
    expect(status.lastRun).toMatchObject({ phase: 'Failed', reason: 'StateStoreUnavailable', message: succeeded?.message });
  });

  test('keeps daprError in status.result', () => {
    expect(status.result).toMatchObject({ passed: false, reason: 'StateStoreUnavailable', daprError });
  });
});
