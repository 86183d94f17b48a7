import type { V1ContainerState, V1Pod } from '@kubernetes/client-node';
import type { Condition, WasiApp, WasiAppStatus } from '../../operator/src/api/wasiapp.js';
import { computeStatus, type StateStoreState } from '../../operator/src/controller/status.js';
import { parseTerminationMessage } from '../../operator/src/controller/termination-message.js';

const T0 = new Date('2030-01-01T00:00:00.000Z');
const T1 = new Date('2030-01-01T00:05:00.000Z');
const READY_STORE: StateStoreState = { status: 'True', reason: 'ComponentApplied', message: 'applied' };

function app(status?: WasiAppStatus, generation = 3): WasiApp {
  return {
    apiVersion: 'wasi-operator.dev/v1alpha1',
    kind: 'WasiApp',
    metadata: { name: 'hello', namespace: 'ns', uid: 'uid-1', generation },
    spec: { module: { configMap: { name: 'hello', key: 'hello.wasm' } } },
    ...(status && { status }),
  };
}

function pod(phase: string, host?: V1ContainerState, extra: Partial<V1Pod['status']> = {}): V1Pod {
  return {
    metadata: { name: 'hello-g3', namespace: 'ns' },
    status: {
      phase,
      startTime: new Date('2030-01-01T00:00:10Z'),
      ...(host && { containerStatuses: [{ name: 'wasi-host', image: 'x', imageID: '', ready: false, restartCount: 0, state: host }] }),
      ...extra,
    },
  };
}

function terminated(message: string | undefined, exitCode = 0, reason = 'Completed'): V1ContainerState {
  return { terminated: { exitCode, reason, message, finishedAt: new Date('2030-01-01T00:01:00Z') } };
}

function condition(status: WasiAppStatus, type: string): Condition {
  const found = status.conditions?.find((c) => c.type === type);
  if (!found) throw new Error(`no ${type} condition`);
  return found;
}

const hostResult = (fields: Record<string, unknown>): string =>
  JSON.stringify({ compileMillis: 1.5, instantiateMillis: 2, runMillis: 30, output: 'ok\n', ...fields });

describe('computeStatus', () => {
  it('is Pending without a pod, with conditions that carry the generation', () => {
    const status = computeStatus({ app: app(), pod: undefined, stateStore: READY_STORE, now: T0 });
    expect(status.phase).toBe('Pending');
    expect(status.observedGeneration).toBe(3);
    expect(status.podName).toBeUndefined();
    expect(status.conditions?.map((c) => c.type)).toEqual(['StateStoreReady', 'Ready', 'Succeeded']);
    for (const c of status.conditions ?? []) {
      expect(c.observedGeneration).toBe(3);
      expect(c.lastTransitionTime).toBe('2030-01-01T00:00:00Z');
    }
    expect(condition(status, 'StateStoreReady')).toMatchObject({ status: 'True', reason: 'ComponentApplied' });
    expect(condition(status, 'Succeeded')).toMatchObject({ status: 'Unknown', reason: 'Pending' });
  });

  it('says why it waits when the state store is not ready', () => {
    const stateStore: StateStoreState = { status: 'False', reason: 'ComponentNotFound', message: 'Dapr Component redis does not exist' };
    const status = computeStatus({ app: app(), pod: undefined, stateStore, now: T0 });
    expect(status.phase).toBe('Pending');
    expect(condition(status, 'StateStoreReady')).toMatchObject({ status: 'False', reason: 'ComponentNotFound' });
    expect(condition(status, 'Ready')).toMatchObject({ status: 'False', reason: 'StateStoreNotReady' });
    expect(condition(status, 'Ready').message).toContain('Dapr Component redis does not exist');
  });

  it('is Pending with the waiting reason while the host container waits', () => {
    const status = computeStatus({
      app: app(),
      pod: pod('Pending', { waiting: { reason: 'ErrImagePull', message: 'image not found' } }),
      stateStore: READY_STORE,
      now: T0,
    });
    expect(status.phase).toBe('Pending');
    expect(status.podName).toBe('hello-g3');
    expect(condition(status, 'Ready')).toMatchObject({ status: 'False', reason: 'ErrImagePull', message: 'image not found' });
  });

  it('is Pending with PodCreated for a fresh pod', () => {
    const status = computeStatus({ app: app(), pod: pod('Pending'), stateStore: READY_STORE, now: T0 });
    expect(condition(status, 'Ready')).toMatchObject({ status: 'False', reason: 'PodCreated' });
  });

  it('is Running while the host container runs', () => {
    const status = computeStatus({
      app: app(),
      pod: pod('Running', { running: { startedAt: new Date('2030-01-01T00:00:20Z') } }),
      stateStore: READY_STORE,
      now: T0,
    });
    expect(status.phase).toBe('Running');
    expect(status.startTime).toBe('2030-01-01T00:00:10Z');
    expect(condition(status, 'Ready')).toMatchObject({ status: 'True', reason: 'Running' });
    expect(condition(status, 'Succeeded')).toMatchObject({ status: 'Unknown', reason: 'Running' });
  });

  it('is Succeeded with the host result when the guest passed', () => {
    const status = computeStatus({
      app: app(),
      pod: pod('Succeeded', terminated(hostResult({ passed: true, exitCode: 0 }))),
      stateStore: READY_STORE,
      now: T0,
    });
    expect(status.phase).toBe('Succeeded');
    expect(status.result).toEqual({ passed: true, exitCode: 0, output: 'ok\n', compileMillis: 1.5, instantiateMillis: 2, runMillis: 30 });
    expect(status.completionTime).toBe('2030-01-01T00:01:00Z');
    expect(condition(status, 'Succeeded')).toMatchObject({ status: 'True', reason: 'GuestPassed' });
    expect(condition(status, 'Ready')).toMatchObject({ status: 'False', reason: 'Completed' });
  });

  it('reads the result as soon as the host container ends, while a classic sidecar keeps the pod Running', () => {
    const status = computeStatus({
      app: app(),
      pod: pod('Running', terminated(hostResult({ passed: true, exitCode: 0 }))),
      stateStore: READY_STORE,
      now: T0,
    });
    expect(status.phase).toBe('Succeeded');
  });

  it.each([
    ['Trap', 1],
    ['Timeout', 124],
    ['SuccessOutputMissing', 0],
    ['SidecarUnavailable', 1],
  ])('is Failed with reason %s from the host result', (reason, exitCode) => {
    const status = computeStatus({
      app: app(),
      pod: pod('Failed', terminated(hostResult({ passed: false, exitCode, reason, output: 'boom' }), exitCode, 'Error')),
      stateStore: READY_STORE,
      now: T0,
    });
    expect(status.phase).toBe('Failed');
    expect(status.result).toMatchObject({ passed: false, exitCode, reason, output: 'boom' });
    const succeeded = condition(status, 'Succeeded');
    expect(succeeded).toMatchObject({ status: 'False', reason });
    expect(succeeded.message).toContain(`exit code ${exitCode}`);
    expect(succeeded.message).toContain('boom');
  });

  it('uses GuestFailed when the host gives no CamelCase reason', () => {
    const status = computeStatus({
      app: app(),
      pod: pod('Failed', terminated(hostResult({ passed: false, exitCode: 3, reason: 'weird reason' }), 3, 'Error')),
      stateStore: READY_STORE,
      now: T0,
    });
    expect(condition(status, 'Succeeded').reason).toBe('GuestFailed');
  });

  it('fails clearly on a termination message that is not the host JSON, naming exit code, reason and the log tail', () => {
    const status = computeStatus({
      app: app(),
      pod: pod('Failed', terminated('panic: out of memory\nat wasi-host main', 137, 'OOMKilled')),
      stateStore: READY_STORE,
      now: T0,
    });
    expect(status.phase).toBe('Failed');
    const succeeded = condition(status, 'Succeeded');
    expect(succeeded).toMatchObject({ status: 'False', reason: 'InvalidResult' });
    expect(succeeded.message).toContain('exit code 137');
    expect(succeeded.message).toContain('OOMKilled');
    expect(succeeded.message).toContain('not JSON');
    expect(succeeded.message).toContain('panic: out of memory');
    expect(status.result).toMatchObject({ passed: false, exitCode: 137, reason: 'InvalidResult' });
  });

  it('fails clearly on an empty termination message and on JSON without the result fields', () => {
    const empty = computeStatus({ app: app(), pod: pod('Failed', terminated('', 2, 'Error')), stateStore: READY_STORE, now: T0 });
    expect(condition(empty, 'Succeeded').reason).toBe('InvalidResult');
    expect(condition(empty, 'Succeeded').message).toContain('empty');
    const partial = computeStatus({ app: app(), pod: pod('Failed', terminated('{"passed":"yes"}', 1, 'Error')), stateStore: READY_STORE, now: T0 });
    expect(condition(partial, 'Succeeded').message).toContain('"passed"');
  });

  it('reports a failed module download from the init container', () => {
    const failing = pod('Failed', { waiting: { reason: 'PodInitializing' } }, {
      initContainerStatuses: [
        {
          name: 'fetch-module',
          image: 'x',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 1, reason: 'Error', message: 'sha256 mismatch: expected 3f…, got 9a…' } },
        },
      ],
    });
    const status = computeStatus({ app: app(), pod: failing, stateStore: READY_STORE, now: T0 });
    expect(status.phase).toBe('Failed');
    expect(condition(status, 'Succeeded')).toMatchObject({ status: 'False', reason: 'ModuleFetchFailed' });
    expect(condition(status, 'Succeeded').message).toContain('sha256 mismatch');
  });

  it('moves lastTransitionTime only when a condition flips', () => {
    const first = computeStatus({ app: app(), pod: pod('Pending'), stateStore: READY_STORE, now: T0 });
    const running = pod('Running', { running: {} });
    const second = computeStatus({ app: app(first), pod: running, stateStore: READY_STORE, now: T1 });
    // StateStoreReady stayed True; Succeeded stayed Unknown (reason changed, status did not).
    expect(condition(second, 'StateStoreReady').lastTransitionTime).toBe('2030-01-01T00:00:00Z');
    expect(condition(second, 'Succeeded').lastTransitionTime).toBe('2030-01-01T00:00:00Z');
    expect(condition(second, 'Succeeded').reason).toBe('Running');
    // Ready flipped False → True.
    expect(condition(second, 'Ready').lastTransitionTime).toBe('2030-01-01T00:05:00Z');
    // Same inputs later: identical status, so nothing to write.
    const third = computeStatus({ app: app(second), pod: running, stateStore: READY_STORE, now: new Date('2030-01-02T00:00:00Z') });
    expect(third).toEqual(second);
  });

  it('keeps the result of a finished generation when its pod is gone', () => {
    const finished = computeStatus({
      app: app(),
      pod: pod('Succeeded', terminated(hostResult({ passed: true, exitCode: 0 }))),
      stateStore: READY_STORE,
      now: T0,
    });
    const after = computeStatus({ app: app(finished), pod: undefined, stateStore: READY_STORE, now: T1 });
    expect(after).toEqual(finished);
  });

  it('starts over for a new generation', () => {
    const finished = computeStatus({
      app: app(),
      pod: pod('Succeeded', terminated(hostResult({ passed: true, exitCode: 0 }))),
      stateStore: READY_STORE,
      now: T0,
    });
    const next = computeStatus({ app: app(finished, 4), pod: undefined, stateStore: READY_STORE, now: T1 });
    expect(next.phase).toBe('Pending');
    expect(next.observedGeneration).toBe(4);
    expect(next.result).toBeUndefined();
    expect(condition(next, 'Succeeded')).toMatchObject({ status: 'Unknown', observedGeneration: 4, lastTransitionTime: '2030-01-01T00:05:00Z' });
  });
});

describe('parseTerminationMessage', () => {
  it('copies only the known result fields', () => {
    const parsed = parseTerminationMessage(JSON.stringify({ passed: true, exitCode: 0, extra: 'x', runMillis: 'fast' }));
    expect(parsed).toEqual({ ok: true, result: { passed: true, exitCode: 0 } });
  });

  it.each([['[]'], ['null'], ['{"passed":true}'], ['{"passed":true,"exitCode":1.5}'], ['{"passed":true,"exitCode":0']])(
    'rejects %s',
    (text) => {
      expect(parseTerminationMessage(text).ok).toBe(false);
    },
  );
});
