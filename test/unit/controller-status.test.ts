import type { V1ContainerState, V1Job, V1JobCondition, V1Pod } from '@kubernetes/client-node';
import type { Condition, WasiApp, WasiAppSpec, WasiAppStatus } from '../../operator/src/api/wasiapp.js';
import type { RunObservation } from '../../operator/src/controller/run-record.js';
import { computeStatus, newlyFinishedRuns, type StateStoreState } from '../../operator/src/controller/status.js';
import { parseTerminationMessage } from '../../operator/src/controller/termination-message.js';

const T0 = new Date('2030-01-01T00:00:00.000Z');
const T1 = new Date('2030-01-01T00:05:00.000Z');
const READY_STORE: StateStoreState = { status: 'True', reason: 'ComponentApplied', message: 'applied' };

function app(status?: WasiAppStatus, generation = 3, spec: Partial<WasiAppSpec> = {}): WasiApp {
  return {
    apiVersion: 'wasi-operator.dev/v1alpha1',
    kind: 'WasiApp',
    metadata: { name: 'hello', namespace: 'ns', uid: 'uid-1', generation },
    spec: { module: { configMap: { name: 'hello', key: 'hello.wasm' } }, ...spec },
    ...(status && { status }),
  };
}

interface JobShape {
  name?: string;
  generation?: number;
  trigger?: string;
  created?: string;
  backoffLimit?: number;
  suspend?: boolean;
  activeDeadlineSeconds?: number;
  status?: V1Job['status'];
}

function job(shape: JobShape = {}): V1Job {
  return {
    metadata: {
      name: shape.name ?? 'hello-g3',
      namespace: 'ns',
      uid: `job-${shape.name ?? 'hello-g3'}`,
      creationTimestamp: new Date(shape.created ?? '2030-01-01T00:00:05Z'),
      labels: { 'wasi-operator.dev/generation': String(shape.generation ?? 3) },
      annotations: { 'wasi-operator.dev/run-trigger': shape.trigger ?? 'Spec' },
    },
    spec: {
      backoffLimit: shape.backoffLimit ?? 0,
      ...(shape.suspend !== undefined && { suspend: shape.suspend }),
      ...(shape.activeDeadlineSeconds !== undefined && { activeDeadlineSeconds: shape.activeDeadlineSeconds }),
    } as V1Job['spec'],
    status: { startTime: new Date(new Date(shape.created ?? '2030-01-01T00:00:05Z').getTime() + 1000), ...shape.status },
  };
}

function jobCondition(type: string, reason = '', message = ''): V1JobCondition {
  return { type, status: 'True', reason, message, lastTransitionTime: new Date('2030-01-01T00:01:02Z') };
}

let podCount = 0;
function pod(phase: string, host?: V1ContainerState, extra: Partial<V1Pod['status']> = {}, name = `hello-g3-p${podCount++}`): V1Pod {
  return {
    metadata: { name, namespace: 'ns', creationTimestamp: new Date(`2030-01-01T00:00:${String(10 + podCount).padStart(2, '0')}Z`) },
    status: {
      phase,
      startTime: new Date('2030-01-01T00:00:10Z'),
      ...(host && { containerStatuses: [{ name: 'wasi-host', image: 'x', imageID: '', ready: false, restartCount: 0, state: host }] }),
      ...extra,
    },
  };
}

function terminated(message: string | undefined, exitCode = 0, reason = 'Completed'): V1ContainerState {
  return {
    terminated: { exitCode, reason, message, startedAt: new Date('2030-01-01T00:00:16Z'), finishedAt: new Date('2030-01-01T00:01:00Z') },
  };
}

function condition(status: WasiAppStatus, type: string): Condition {
  const found = status.conditions?.find((c) => c.type === type);
  if (!found) throw new Error(`no ${type} condition`);
  return found;
}

const hostResult = (fields: Record<string, unknown>): string =>
  JSON.stringify({ compileMillis: 1.5, instantiateMillis: 2, runMillis: 30, output: 'ok\n', ...fields });

const passedPod = (name?: string): V1Pod => pod('Succeeded', terminated(hostResult({ passed: true, exitCode: 0 })), {}, name);
const run = (j: V1Job, ...pods: V1Pod[]): RunObservation => ({ job: j, pods });
const status = (a: WasiApp, runs: RunObservation[], now = T0, stateStore = READY_STORE): WasiAppStatus =>
  computeStatus({ app: a, runs, stateStore, now });

describe('computeStatus before a run', () => {
  it('is Pending without a Job, with conditions that carry the generation', () => {
    const s = status(app(), []);
    expect(s.phase).toBe('Pending');
    expect(s.observedGeneration).toBe(3);
    expect(s.runs).toBeUndefined();
    expect(s.conditions?.map((c) => c.type)).toEqual(['StateStoreReady', 'Ready', 'Succeeded']);
    for (const c of s.conditions ?? []) {
      expect(c.observedGeneration).toBe(3);
      expect(c.lastTransitionTime).toBe('2030-01-01T00:00:00Z');
    }
    expect(condition(s, 'Ready')).toMatchObject({ status: 'False', reason: 'JobNotCreated' });
    expect(condition(s, 'Succeeded')).toMatchObject({ status: 'Unknown', reason: 'Pending' });
  });

  it('says why it waits when the state store is not ready', () => {
    const stateStore: StateStoreState = { status: 'False', reason: 'ComponentNotFound', message: 'Dapr Component redis does not exist' };
    const s = status(app(), [], T0, stateStore);
    expect(condition(s, 'StateStoreReady')).toMatchObject({ status: 'False', reason: 'ComponentNotFound' });
    expect(condition(s, 'Ready')).toMatchObject({ status: 'False', reason: 'StateStoreNotReady' });
    expect(condition(s, 'Ready').message).toContain('Dapr Component redis does not exist');
  });

  it('says a scheduled app waits for its schedule, or that the schedule is suspended', () => {
    expect(condition(status(app(undefined, 3, { schedule: '*/5 * * * *' }), []), 'Ready')).toMatchObject({ reason: 'Scheduled' });
    expect(condition(status(app(undefined, 3, { schedule: '@hourly', suspend: true }), []), 'Ready')).toMatchObject({ reason: 'Suspended' });
  });

  it('is Pending with JobCreated until the Job makes a Pod, and Suspended for a held Job', () => {
    const fresh = status(app(), [run(job())]);
    expect(fresh.phase).toBe('Pending');
    expect(fresh.jobName).toBe('hello-g3');
    expect(condition(fresh, 'Ready')).toMatchObject({ reason: 'JobCreated' });
    expect(fresh.runs).toEqual([{ jobName: 'hello-g3', generation: 3, trigger: 'Spec', phase: 'Pending', attempts: 0, startTime: '2030-01-01T00:00:06Z' }]);
    const held = status(app(), [run(job({ suspend: true, status: {} }))]);
    expect(condition(held, 'Ready')).toMatchObject({ reason: 'Suspended' });
  });
});

describe('computeStatus during a run', () => {
  it('is Pending with the waiting reason while the host container waits', () => {
    const s = status(app(), [run(job({ status: { active: 1 } }), pod('Pending', { waiting: { reason: 'ErrImagePull', message: 'image not found' } }))]);
    expect(s.phase).toBe('Pending');
    expect(s.podName).toMatch(/^hello-g3-p/);
    expect(condition(s, 'Ready')).toMatchObject({ status: 'False', reason: 'ErrImagePull', message: 'image not found' });
  });

  it('is Running while the host container runs', () => {
    const s = status(app(), [run(job({ status: { active: 1 } }), pod('Running', { running: { startedAt: new Date('2030-01-01T00:00:20Z') } }))]);
    expect(s.phase).toBe('Running');
    expect(s.startTime).toBe('2030-01-01T00:00:06Z');
    expect(s.lastRun).toMatchObject({ phase: 'Running', attempts: 1, startDelaySeconds: 14 });
    expect(condition(s, 'Ready')).toMatchObject({ status: 'True', reason: 'Running' });
    expect(condition(s, 'Succeeded')).toMatchObject({ status: 'Unknown', reason: 'Running' });
  });

  it('is still Running (Retrying) after the second of three allowed attempts failed, whether or not the Job has counted it', () => {
    const first = pod('Failed', terminated(hostResult({ passed: false, exitCode: 3, reason: 'ExitCode' }), 3, 'Error'));
    const second = pod('Failed', terminated(hostResult({ passed: false, exitCode: 3, reason: 'ExitCode' }), 3, 'Error'));
    for (const failed of [1, 2]) {
      const s = status(app(), [run(job({ backoffLimit: 2, status: { failed } }), first, second)]);
      expect(s.phase).toBe('Running');
      expect(s.failedRuns).toBe(0);
    }
  });

  it('is Running (Retrying) after a failed attempt while the Job has retries left', () => {
    const failed = pod('Failed', terminated(hostResult({ passed: false, exitCode: 3, reason: 'ExitCode' }), 3, 'Error'));
    const s = status(app(), [run(job({ backoffLimit: 2, status: { failed: 1 } }), failed)]);
    expect(s.phase).toBe('Running');
    expect(condition(s, 'Ready')).toMatchObject({ status: 'False', reason: 'Retrying' });
    expect(condition(s, 'Ready').message).toContain('attempt 1 failed (ExitCode');
    expect(s.failedRuns).toBe(0);
  });
});

describe('computeStatus of a finished run', () => {
  it('is Succeeded with the host result, the run record and the counts', () => {
    const s = status(app(), [run(job({ status: { succeeded: 1, completionTime: new Date('2030-01-01T00:01:01Z'), conditions: [jobCondition('Complete')] } }), passedPod())]);
    expect(s.phase).toBe('Succeeded');
    expect(s.result).toEqual({ passed: true, exitCode: 0, output: 'ok\n', compileMillis: 1.5, instantiateMillis: 2, runMillis: 30 });
    // The host's finish time, known from the Pod before the Job's own completionTime.
    expect(s.completionTime).toBe('2030-01-01T00:01:00Z');
    expect(s.lastRun).toMatchObject({
      jobName: 'hello-g3',
      phase: 'Succeeded',
      passed: true,
      exitCode: 0,
      attempts: 1,
      reason: 'GuestPassed',
      runMillis: 30,
      compileMillis: 1.5,
      instantiateMillis: 2,
    });
    expect(s.succeededRuns).toBe(1);
    expect(s.failedRuns).toBe(0);
    expect(s.lastSuccessfulTime).toBe('2030-01-01T00:01:00Z');
    expect(condition(s, 'Succeeded')).toMatchObject({ status: 'True', reason: 'GuestPassed' });
    expect(condition(s, 'Ready')).toMatchObject({ status: 'False', reason: 'Completed' });
  });

  it('reads the result as soon as the host container ends, before the Job says Complete', () => {
    const s = status(app(), [run(job({ status: { active: 1 } }), pod('Running', terminated(hostResult({ passed: true, exitCode: 0 }))))]);
    expect(s.phase).toBe('Succeeded');
  });

  it('is Failed at once when the guest fails and the Job has no retries', () => {
    const failed = pod('Failed', terminated(hostResult({ passed: false, exitCode: 124, reason: 'Timeout', output: 'boom' }), 124, 'Error'));
    const s = status(app(), [run(job({ status: { active: 1 } }), failed)]);
    expect(s.phase).toBe('Failed');
    expect(s.result).toMatchObject({ passed: false, exitCode: 124, reason: 'Timeout', output: 'boom' });
    expect(condition(s, 'Succeeded')).toMatchObject({ status: 'False', reason: 'Timeout' });
    expect(condition(s, 'Succeeded').message).toContain('exit code 124');
    expect(s.failedRuns).toBe(1);
  });

  it("is Failed at once on the host's own failure (exit code 125), whatever the retries", () => {
    const failed = pod('Failed', terminated(hostResult({ passed: false, exitCode: 125, reason: 'InvalidModule', output: 'not wasm' }), 125, 'Error'));
    const s = status(app(), [run(job({ backoffLimit: 5, status: { active: 1 } }), failed)]);
    expect(s.phase).toBe('Failed');
    expect(condition(s, 'Succeeded')).toMatchObject({ status: 'False', reason: 'InvalidModule' });
  });

  it('is Failed with the last attempt once the Job gave up, counting its attempts', () => {
    const first = pod('Failed', terminated(hostResult({ passed: false, exitCode: 1, reason: 'Trap' }), 1, 'Error'));
    const second = pod('Failed', terminated(hostResult({ passed: false, exitCode: 3, reason: 'ExitCode' }), 3, 'Error'));
    const s = status(app(), [run(job({ backoffLimit: 1, status: { failed: 2, conditions: [jobCondition('Failed', 'BackoffLimitExceeded')] } }), first, second)]);
    expect(s.phase).toBe('Failed');
    expect(s.lastRun).toMatchObject({ attempts: 2, exitCode: 3, reason: 'ExitCode', podName: second.metadata!.name });
  });

  it('is Failed with DeadlineExceeded when the Job ran out of time, even without a Pod', () => {
    const s = status(app(), [run(job({ activeDeadlineSeconds: 10, status: { failed: 1, conditions: [jobCondition('Failed', 'DeadlineExceeded', 'Job was active longer than specified deadline')] } }))]);
    expect(s.phase).toBe('Failed');
    expect(condition(s, 'Succeeded')).toMatchObject({ status: 'False', reason: 'DeadlineExceeded' });
    expect(condition(s, 'Succeeded').message).toContain('deadline of 10 s');
  });

  it('uses GuestFailed when the host gives no CamelCase reason', () => {
    const s = status(app(), [run(job(), pod('Failed', terminated(hostResult({ passed: false, exitCode: 3, reason: 'weird reason' }), 3, 'Error')))]);
    expect(condition(s, 'Succeeded').reason).toBe('GuestFailed');
  });

  it('fails clearly on a termination message that is not the host JSON, naming exit code, reason and the log tail', () => {
    const s = status(app(), [run(job(), pod('Failed', terminated('panic: out of memory\nat wasi-host main', 137, 'OOMKilled')))]);
    expect(s.phase).toBe('Failed');
    const succeeded = condition(s, 'Succeeded');
    expect(succeeded).toMatchObject({ status: 'False', reason: 'InvalidResult' });
    expect(succeeded.message).toContain('exit code 137');
    expect(succeeded.message).toContain('OOMKilled');
    expect(succeeded.message).toContain('panic: out of memory');
    expect(s.result).toMatchObject({ passed: false, exitCode: 137, reason: 'InvalidResult' });
  });

  it('reports a failed module download from the init container', () => {
    const failing = pod('Failed', { waiting: { reason: 'PodInitializing' } }, {
      initContainerStatuses: [
        { name: 'fetch-module', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 125, reason: 'Error', message: 'sha256 mismatch: expected 3f…, got 9a…' } } },
      ],
    });
    const s = status(app(), [run(job(), failing)]);
    expect(s.phase).toBe('Failed');
    expect(condition(s, 'Succeeded')).toMatchObject({ status: 'False', reason: 'ModuleFetchFailed' });
    expect(condition(s, 'Succeeded').message).toContain('sha256 mismatch');
  });
});

describe('computeStatus over time', () => {
  it('moves lastTransitionTime only when a condition flips, and is stable for the same inputs', () => {
    const first = status(app(), [run(job())]);
    const running = run(job({ status: { active: 1 } }), pod('Running', { running: {} }, {}, 'hello-g3-run'));
    const second = status(app(first), [running], T1);
    expect(condition(second, 'StateStoreReady').lastTransitionTime).toBe('2030-01-01T00:00:00Z');
    expect(condition(second, 'Succeeded').lastTransitionTime).toBe('2030-01-01T00:00:00Z');
    expect(condition(second, 'Ready').lastTransitionTime).toBe('2030-01-01T00:05:00Z');
    const third = status(app(second), [running], new Date('2030-01-02T00:00:00Z'));
    expect(third).toEqual(second);
  });

  it('keeps a finished run and its result when a TTL removed its Job, and counts it once', () => {
    const finished = status(app(), [run(job({ status: { succeeded: 1, conditions: [jobCondition('Complete')] } }), passedPod())]);
    const after = status(app(finished), [], T1);
    expect(after).toEqual(finished);
    expect(after.succeededRuns).toBe(1);
  });

  it('records a run whose Job was deleted before it finished as Failed (JobDeleted)', () => {
    const running = status(app(), [run(job({ status: { active: 1 } }), pod('Running', { running: {} }))]);
    const after = status(app(running), [], T1);
    expect(after.phase).toBe('Failed');
    expect(after.lastRun).toMatchObject({ phase: 'Failed', reason: 'JobDeleted' });
  });

  it('starts over for a new generation, keeping the old run in the history', () => {
    const finished = status(app(), [run(job({ status: { succeeded: 1, conditions: [jobCondition('Complete')] } }), passedPod())]);
    const next = status(app(finished, 4), [], T1);
    expect(next.phase).toBe('Pending');
    expect(next.observedGeneration).toBe(4);
    expect(next.result).toBeUndefined();
    expect(next.runs).toHaveLength(1);
    expect(condition(next, 'Succeeded')).toMatchObject({ status: 'Unknown', observedGeneration: 4, lastTransitionTime: '2030-01-01T00:05:00Z' });
  });

  it('while a rerun runs, Succeeded still speaks of the last finished run', () => {
    const first = run(job({ status: { succeeded: 1, conditions: [jobCondition('Complete')] } }), passedPod('hello-g3-a'));
    const done = status(app(), [first]);
    const rerun = run(job({ name: 'hello-g3-rabc', trigger: 'Rerun', created: '2030-01-01T00:02:00Z', status: { active: 1 } }), pod('Running', { running: {} }, {}, 'hello-g3-rabc-x'));
    const s = status(app(done), [first, rerun], T1);
    expect(s.phase).toBe('Running');
    expect(s.runs?.map((r) => [r.jobName, r.trigger, r.phase])).toEqual([
      ['hello-g3', 'Spec', 'Succeeded'],
      ['hello-g3-rabc', 'Rerun', 'Running'],
    ]);
    expect(condition(s, 'Succeeded')).toMatchObject({ status: 'True', reason: 'GuestPassed' });
    expect(s.result?.passed).toBe(true);
  });

  it('keeps at most runsHistoryLimit runs, the newest', () => {
    let s: WasiAppStatus | undefined;
    const observations: RunObservation[] = [];
    for (let i = 0; i < 4; i++) {
      observations.push(run(job({ name: `hello-g3-r${i}`, trigger: 'Rerun', created: `2030-01-01T00:0${i}:00Z`, status: { succeeded: 1, conditions: [jobCondition('Complete')] } }), passedPod(`hello-g3-r${i}-p`)));
      s = status(app(s, 3, { runsHistoryLimit: 2 }), observations);
    }
    expect(s!.runs?.map((r) => r.jobName)).toEqual(['hello-g3-r2', 'hello-g3-r3']);
    expect(s!.succeededRuns).toBe(4);
  });

  it('newlyFinishedRuns names each run once, when it finishes', () => {
    const before = status(app(), [run(job({ status: { active: 1 } }), pod('Running', { running: {} }))]);
    const after = status(app(before), [run(job({ status: { succeeded: 1, conditions: [jobCondition('Complete')] } }), passedPod())]);
    expect(newlyFinishedRuns(before.runs ?? [], after.runs ?? []).map((r) => r.jobName)).toEqual(['hello-g3']);
    expect(newlyFinishedRuns(after.runs ?? [], after.runs ?? [])).toEqual([]);
  });
});

describe('parseTerminationMessage', () => {
  it('copies only the known result fields', () => {
    const parsed = parseTerminationMessage(JSON.stringify({ passed: true, exitCode: 0, extra: 'x', runMillis: 'fast' }));
    expect(parsed).toEqual({ ok: true, result: { passed: true, exitCode: 0 } });
  });

  it.each([['[]'], ['null'], ['{"passed":true}'], ['{"passed":true,"exitCode":1.5}'], ['{"passed":true,"exitCode":0']])('rejects %s', (text) => {
    expect(parseTerminationMessage(text).ok).toBe(false);
  });
});
