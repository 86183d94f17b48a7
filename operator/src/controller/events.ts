// Kubernetes Events (core/v1) about WasiApps. Callers emit on transitions;
// the recorder also drops an identical event (same object, type, reason and
// message) seen within the dedup window, so a retrying reconcile does not
// flood the namespace.
//
// Events are reports, not work: they are written in the background, a few at
// a time, and held back while `holdWhile` says new apps wait for their Pods
// (a burst of 1,000 apps gets its Pods first, its PodCreated events after),
// but never longer than `maxHoldMs`. Their timestamps are those of the moment
// they were emitted.
import { randomBytes } from 'node:crypto';
import type { CoreV1Event, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { FIELD_MANAGER } from '../api/names.js';
import type { EventSink } from './kube.js';

export const EVENT_NORMAL = 'Normal';
export const EVENT_WARNING = 'Warning';
export type EventType = typeof EVENT_NORMAL | typeof EVENT_WARNING;

export const REASON_COMPONENT_APPLIED = 'ComponentApplied';
export const REASON_COMPONENT_NOT_FOUND = 'ComponentNotFound';
export const REASON_POD_CREATED = 'PodCreated';
export const REASON_OUTDATED_POD_DELETED = 'OutdatedPodDeleted';
export const REASON_OUTDATED_COMPONENT_DELETED = 'OutdatedComponentDeleted';
export const REASON_SUCCEEDED = 'Succeeded';
export const REASON_FAILED = 'Failed';
export const REASON_RECONCILE_ERROR = 'ReconcileError';

const MAX_MESSAGE = 1024;
const MAX_REMEMBERED = 10_000;
const DEFAULT_MAX_IN_FLIGHT = 4;
const DEFAULT_MAX_BACKLOG = 10_000;
/** How often held events look again whether they may go. */
const HOLD_POLL_MS = 100;
const DEFAULT_MAX_HOLD_MS = 10_000;

export interface EventRecorderOptions {
  /** reportingInstance: tells replicas apart (the leader-election identity). */
  instance: string;
  log: Logger;
  dedupWindowMs?: number;
  /** While true, events wait (see above); default never. */
  holdWhile?: () => boolean;
  /** The longest an event is held back; default 10 s. */
  maxHoldMs?: number;
  /** Event writes in flight at once; default 4. */
  maxInFlight?: number;
  /** Events waiting beyond this are dropped, oldest first, and counted in a warning; default 10,000. */
  maxBacklog?: number;
}

export class EventRecorder {
  private readonly recent = new Map<string, number>();
  private readonly dedupWindowMs: number;
  private readonly backlog: Array<{ event: CoreV1Event; at: number }> = [];
  private readonly idleWaiters: Array<() => void> = [];
  private inFlight = 0;
  private dropped = 0;
  private flushing = false;
  private holdTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly api: EventSink,
    private readonly options: EventRecorderOptions,
  ) {
    this.dedupWindowMs = options.dedupWindowMs ?? 10 * 60 * 1000;
  }

  /** Events emitted but not yet written. */
  get waiting(): number {
    return this.backlog.length + this.inFlight;
  }

  normal(obj: KubernetesObject, reason: string, message: string): void {
    this.emit(obj, EVENT_NORMAL, reason, message);
  }

  warning(obj: KubernetesObject, reason: string, message: string): void {
    this.emit(obj, EVENT_WARNING, reason, message);
  }

  /** Queues the event for writing (see above); an identical one within the dedup window is dropped. */
  emit(obj: KubernetesObject, type: EventType, reason: string, message: string): void {
    const meta = obj.metadata ?? {};
    const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message;
    const dedupKey = `${meta.uid ?? `${meta.namespace}/${meta.name}`}|${type}|${reason}|${text}`;
    const now = Date.now();
    const last = this.recent.get(dedupKey);
    if (last !== undefined && now - last < this.dedupWindowMs) return;
    this.remember(dedupKey, now);

    const time = new Date(now);
    const event: CoreV1Event = {
      metadata: { name: `${meta.name}.${now.toString(16)}${randomBytes(2).toString('hex')}`, namespace: meta.namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      },
      type,
      reason,
      message: text,
      source: { component: FIELD_MANAGER },
      reportingComponent: FIELD_MANAGER,
      reportingInstance: this.options.instance.slice(0, 128),
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
    };
    this.backlog.push({ event, at: now });
    if (this.backlog.length > (this.options.maxBacklog ?? DEFAULT_MAX_BACKLOG)) {
      this.backlog.shift();
      if (this.dropped++ % 1000 === 0) this.options.log.warn({ dropped: this.dropped }, 'event backlog full; dropping the oldest events');
    }
    this.pump();
  }

  /** Writes every waiting event, held or not, and resolves once none is left (on shutdown). */
  async flush(): Promise<void> {
    this.flushing = true;
    try {
      this.pump();
      if (this.waiting === 0) return;
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    } finally {
      this.flushing = false;
    }
  }

  private pump(): void {
    const oldest = this.backlog[0];
    const held = oldest !== undefined && Date.now() - oldest.at < (this.options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS);
    if (!this.flushing && held && this.options.holdWhile?.()) {
      this.holdTimer ??= setTimeout(() => {
        this.holdTimer = undefined;
        this.pump();
      }, HOLD_POLL_MS).unref();
      return;
    }
    while (this.inFlight < (this.options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT) && this.backlog.length > 0) {
      this.write((this.backlog.shift() as { event: CoreV1Event }).event);
    }
    if (this.waiting === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Fire and forget: an event that cannot be written is logged, never retried. */
  private write(event: CoreV1Event): void {
    this.inFlight++;
    const { namespace, name } = event.involvedObject;
    void this.api
      .createNamespacedEvent({ namespace: namespace ?? 'default', body: event })
      .then(
        () => undefined,
        (err: unknown) => this.options.log.warn({ err, reason: event.reason, object: `${namespace}/${name}` }, 'cannot write event'),
      )
      .finally(() => {
        this.inFlight--;
        this.pump();
      });
  }

  private remember(key: string, at: number): void {
    this.recent.delete(key);
    this.recent.set(key, at);
    if (this.recent.size > MAX_REMEMBERED) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
  }
}
