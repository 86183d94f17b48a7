// The status writer against an in-memory /status: what lands in the app's
// status, which Events a user sees, and when nothing is written at all.
import { describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import type { WasiApp, WasiAppRun, WasiAppStatus } from '../../operator/src/api/wasiapp.js';
import { mergePatch } from '../../operator/src/util/json-diff.js';
import type { FinishedRun } from '../../operator/src/controller/metrics.js';
import { StatusWriter } from '../../operator/src/controller/status-writer.js';
import { WasiOperatorError } from '../../operator/src/util/errors.js';
import { wasiApp } from '../helpers/wasiapp-fixtures.js';

const log = pino({ level: 'silent' });
const NOW = new Date('2030-01-01T00:00:00.000Z');
const KEY = 'demo/seed';

/** Applies a JSON merge patch (RFC 7396) as the API server does. */
function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

function setUp(status?: WasiAppStatus) {
  const app: WasiApp = { ...wasiApp(), ...(status && { status }) };
  app.metadata.resourceVersion = '10';
  const state = { app, writes: 0, events: [] as string[], finished: [] as FinishedRun[] };
  const writer = new StatusWriter({
    patchStatus: async (target, patch) => {
      state.writes += 1;
      state.app = {
        ...target,
        metadata: { ...target.metadata, resourceVersion: String(Number(target.metadata.resourceVersion) + 1) },
        status: applyMergePatch(target.status ?? {}, patch) as WasiAppStatus,
      };
      return state.app;
    },
    events: {
      normal: (_app, reason, message) => void state.events.push(`Normal ${reason}: ${message}`),
      warning: (_app, reason, message) => void state.events.push(`Warning ${reason}: ${message}`),
    },
    metrics: { observeRunFinished: (run) => void state.finished.push(run) },
    now: () => NOW,
  });
  return { writer, state };
}

const finishedRun: WasiAppRun = {
  jobName: 'seed-g1',
  generation: 1,
  trigger: 'Spec',
  phase: 'Succeeded',
  attempts: 1,
  message: 'Test successfully!',
  exitCode: 0,
  runMillis: 12,
};

describe('StatusWriter.write', () => {
  test('writes nothing when the status is unchanged', async () => {
    const { writer, state } = setUp({ phase: 'Running' });
    await writer.write(KEY, state.app, { phase: 'Running' }, log);
    expect(state.writes).toBe(0);
  });

  test('writes the difference, and a run that finished gives one Succeeded event and one metrics observation', async () => {
    const { writer, state } = setUp({ phase: 'Running', runs: [{ jobName: 'seed-g1', generation: 1, trigger: 'Spec', phase: 'Running', attempts: 1 }] });
    await writer.write(KEY, state.app, { phase: 'Succeeded', runs: [finishedRun] }, log);
    expect(state.app.status).toMatchObject({ phase: 'Succeeded', runs: [finishedRun] });
    expect(state.events).toEqual(['Normal Succeeded: run seed-g1: Test successfully!']);
    expect(state.finished).toEqual([expect.objectContaining({ app: 'seed', passed: true, runMillis: 12 })]);
  });

  test('until the cache has seen a write of ours, the app it holds is not current; a newer version is', async () => {
    const { writer, state } = setUp({ phase: 'Pending' });
    const before = state.app;
    await writer.write(KEY, before, { phase: 'Running' }, log);
    expect(writer.isCurrent(KEY, before)).toBe(false);
    expect(writer.isCurrent(KEY, state.app)).toBe(true);
    // Once seen, the memory goes: the old version (say, a relist) is current again.
    expect(writer.isCurrent(KEY, before)).toBe(true);
  });

  test('the merge patch it sends removes fields the next status drops', () => {
    expect(mergePatch({ phase: 'Failed', podName: 'x' }, { phase: 'Running' })).toEqual({ phase: 'Running', podName: null });
  });
});

describe('StatusWriter.writeFailure', () => {
  const taken = new WasiOperatorError('ERR_JOB_NAME_TAKEN', 'Job demo/seed-g1 exists and does not belong to WasiApp seed; delete or rename it');

  test('a terminal error turns the app Failed with Reconciled=False and its reason, written once', async () => {
    const { writer, state } = setUp({ phase: 'Pending' });
    await writer.writeFailure(state.app, taken, 'JobNameTaken', true);
    expect(state.app.status?.phase).toBe('Failed');
    expect(state.app.status?.conditions).toEqual([
      expect.objectContaining({ type: 'Reconciled', status: 'False', reason: 'JobNameTaken', message: taken.message, lastTransitionTime: '2030-01-01T00:00:00Z' }),
    ]);
    await writer.writeFailure(state.app, taken, 'JobNameTaken', true);
    expect(state.writes).toBe(1);
  });

  test('an error a retry may fix shows as Reconciled=False and leaves the phase alone', async () => {
    const { writer, state } = setUp({ phase: 'Running' });
    await writer.writeFailure(state.app, new Error('the server is currently unable to handle the request'), 'ReconcileError', false);
    expect(state.app.status?.phase).toBe('Running');
    expect(state.app.status?.conditions?.[0]).toMatchObject({ type: 'Reconciled', status: 'False', reason: 'ReconcileError' });
  });

  test('a new message is written again; the other conditions stay', async () => {
    const ready = { type: 'StateStoreReady', status: 'True' as const, reason: 'ComponentApplied', message: 'applied', lastTransitionTime: '2029-12-31T00:00:00Z' };
    const { writer, state } = setUp({ phase: 'Pending', conditions: [ready] });
    await writer.writeFailure(state.app, new Error('first'), 'ReconcileError', false);
    await writer.writeFailure(state.app, new Error('second'), 'ReconcileError', false);
    expect(state.writes).toBe(2);
    expect(state.app.status?.conditions).toEqual([ready, expect.objectContaining({ type: 'Reconciled', message: 'second' })]);
  });
});
