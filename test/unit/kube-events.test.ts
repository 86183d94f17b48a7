// The event recorder's pacing, against an in-memory events endpoint (the
// integration tests read real Events back from the API server).
import { afterEach, jest } from '@jest/globals';
import type { CoreV1Api, CoreV1Event } from '@kubernetes/client-node';
import pino from 'pino';
import { EventRecorder } from '../../operator/src/kube/events.js';
import { eventually } from '../helpers/eventually.js';

const log = pino({ level: 'silent' });
const app = { apiVersion: 'wasi-operator.dev/v1alpha1', kind: 'WasiApp', metadata: { name: 'app', namespace: 'ns', uid: 'u1' } };

/** An events endpoint that keeps what it is sent; `slow` keeps each write open until released. */
function eventsEndpoint(slow = false) {
  const written: CoreV1Event[] = [];
  const patches: Array<{ name: string; body: Partial<CoreV1Event> }> = [];
  let missing = false;
  const open: Array<() => void> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const api = {
    async createNamespacedEvent({ body }: { namespace: string; body: CoreV1Event }): Promise<CoreV1Event> {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (slow) await new Promise<void>((resolve) => open.push(resolve));
      inFlight--;
      written.push(body);
      return body;
    },
    async patchNamespacedEvent({ name, body }: { namespace: string; name: string; body: Partial<CoreV1Event> }): Promise<unknown> {
      if (missing) throw Object.assign(new Error('events "x" not found'), { statusCode: 404 });
      patches.push({ name, body });
      return body;
    },
  } as unknown as CoreV1Api;
  return {
    api,
    written,
    patches,
    /** From now on every patch answers 404, as for an event the API server has expired. */
    expireEvents: () => (missing = true),
    release: () => open.splice(0).forEach((resolve) => resolve()),
    maxInFlight: () => maxInFlight,
  };
}

afterEach(() => {
  jest.useRealTimers();
});

test('writes an event with its reason, type, message and the involved object', async () => {
  const endpoint = eventsEndpoint();
  const recorder = new EventRecorder(endpoint.api, { instance: 'op-1', log });
  recorder.normal(app, 'PodCreated', 'created pod app-g1');
  await recorder.flush();
  expect(endpoint.written).toEqual([
    expect.objectContaining({
      type: 'Normal',
      reason: 'PodCreated',
      message: 'created pod app-g1',
      involvedObject: expect.objectContaining({ kind: 'WasiApp', name: 'app', namespace: 'ns', uid: 'u1' }),
      reportingInstance: 'op-1',
    }),
  ]);
});

test('an identical event within the window is not written again: it counts on the first one', async () => {
  jest.useFakeTimers();
  const endpoint = eventsEndpoint();
  const recorder = new EventRecorder(endpoint.api, { instance: 'op-1', log, patchIntervalMs: 50 });
  recorder.warning(app, 'Failed', 'Trap: unreachable');
  recorder.warning(app, 'Failed', 'Trap: unreachable');
  recorder.warning(app, 'Failed', 'Timeout: 30 s');
  recorder.warning(app, 'Failed', 'Trap: unreachable');
  await jest.advanceTimersByTimeAsync(50);
  expect(endpoint.patches).toHaveLength(1);
  await recorder.flush();
  expect(endpoint.written.map((e) => e.message)).toEqual(['Trap: unreachable', 'Timeout: 30 s']);
  expect(endpoint.patches).toEqual([{ name: endpoint.written[0]!.metadata!.name, body: { count: 3, lastTimestamp: expect.any(Date) } }]);
});

test('count updates of one event come at most once per patch interval, each with the count so far', async () => {
  jest.useFakeTimers();
  const endpoint = eventsEndpoint();
  const recorder = new EventRecorder(endpoint.api, { instance: 'op-1', log, patchIntervalMs: 200 });
  recorder.warning(app, 'ReconcileError', 'cannot apply');
  await jest.advanceTimersByTimeAsync(0);
  expect(endpoint.written).toHaveLength(1);
  for (let i = 0; i < 5; i++) recorder.warning(app, 'ReconcileError', 'cannot apply');
  await jest.advanceTimersByTimeAsync(199);
  expect(endpoint.patches).toEqual([]);
  await jest.advanceTimersByTimeAsync(1);
  expect(endpoint.patches).toHaveLength(1);
  expect(endpoint.patches[0]!.body.count).toBe(6);
  recorder.warning(app, 'ReconcileError', 'cannot apply');
  await recorder.flush();
  expect(endpoint.patches.map((p) => p.body.count)).toEqual([6, 7]);
});

test('a repeat after the window, or of an event the API server no longer has, starts a new event', async () => {
  const endpoint = eventsEndpoint();
  jest.useFakeTimers();
  const recorder = new EventRecorder(endpoint.api, { instance: 'op-1', log, dedupWindowMs: 100, patchIntervalMs: 0 });
  recorder.normal(app, 'PodCreated', 'created pod app-g1');
  await jest.advanceTimersByTimeAsync(0);
  expect(endpoint.written).toHaveLength(1);
  await jest.advanceTimersByTimeAsync(150);
  recorder.normal(app, 'PodCreated', 'created pod app-g1');
  await jest.advanceTimersByTimeAsync(0);
  expect(endpoint.written).toHaveLength(2);
  expect(endpoint.written[1]!.metadata!.name).not.toBe(endpoint.written[0]!.metadata!.name);

  endpoint.expireEvents();
  recorder.normal(app, 'PodCreated', 'created pod app-g1');
  await recorder.flush();
  recorder.normal(app, 'PodCreated', 'created pod app-g1');
  await recorder.flush();
  expect(endpoint.written).toHaveLength(3);
  expect(endpoint.written[2]!.count).toBe(1);
});

test('holds events while holdWhile says so, and writes them once it no longer does', async () => {
  const endpoint = eventsEndpoint();
  let busy = true;
  jest.useFakeTimers();
  const recorder = new EventRecorder(endpoint.api, { instance: 'op-1', log, holdWhile: () => busy });
  recorder.normal(app, 'PodCreated', 'created pod app-g1');
  await jest.advanceTimersByTimeAsync(250);
  expect(endpoint.written).toEqual([]);
  expect(recorder.waiting).toBe(1);
  busy = false;
  await jest.advanceTimersByTimeAsync(250);
  expect(endpoint.written).toHaveLength(1);
  expect(recorder.waiting).toBe(0);
});

test('never holds an event longer than maxHoldMs (and one 100 ms hold poll), though holdWhile still says so', async () => {
  jest.useFakeTimers();
  const endpoint = eventsEndpoint();
  const recorder = new EventRecorder(endpoint.api, { instance: 'op-1', log, holdWhile: () => true, maxHoldMs: 1000 });
  recorder.normal(app, 'PodCreated', 'created pod app-g1');
  await jest.advanceTimersByTimeAsync(999);
  expect(endpoint.written).toEqual([]);
  await jest.advanceTimersByTimeAsync(1 + 100);
  expect(endpoint.written).toHaveLength(1);
  expect(recorder.waiting).toBe(0);
});

test('flush writes held events too', async () => {
  const endpoint = eventsEndpoint();
  const recorder = new EventRecorder(endpoint.api, { instance: 'op-1', log, holdWhile: () => true });
  recorder.normal(app, 'PodCreated', 'created pod app-g1');
  await recorder.flush();
  expect(endpoint.written).toHaveLength(1);
});

test('keeps at most maxInFlight writes open and drops the oldest beyond maxBacklog', async () => {
  const endpoint = eventsEndpoint(true);
  let dropped = 0;
  const recorder = new EventRecorder(endpoint.api, { instance: 'op-1', log, maxInFlight: 2, maxBacklog: 3, onDropped: () => dropped++ });
  for (let i = 0; i < 7; i++) recorder.normal(app, 'PodCreated', `created pod app-g${i}`);
  // 2 in flight (g0, g1), 3 waiting (g4..g6): g2 and g3 were dropped.
  expect(recorder.waiting).toBe(5);
  expect(dropped).toBe(2);
  const flushed = recorder.flush();
  await eventually(
    'every held write released',
    () => {
      endpoint.release();
      return recorder.waiting === 0;
    },
    { timeoutMs: 5000, intervalMs: 5 },
  );
  await flushed;
  expect(endpoint.maxInFlight()).toBe(2);
  expect(endpoint.written.map((e) => e.message)).toEqual(['created pod app-g0', 'created pod app-g1', 'created pod app-g4', 'created pod app-g5', 'created pod app-g6']);
});
