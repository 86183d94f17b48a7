// Kubernetes Events (core/v1) about WasiApps. Callers emit on transitions;
// an identical event (same object, type, reason and message) within the
// series window is not written again: the first one's `count` and
// `lastTimestamp` move instead, as client-go's correlator does, so `kubectl
// describe` shows "(x12 over 5m)" and a retrying reconcile does not flood the
// namespace. Count updates are merge patches, at most one per event every
// few seconds.
//
// Events are reports, not work: they are written in the background, a few at
// a time, and held back while `holdWhile` says new apps wait for their Pods
// (a burst of 1,000 apps gets its Pods first, its JobCreated events after),
// but never longer than `maxHoldMs`. The hold outlasts such a burst on two
// cores (the Job controller makes the last Pods 15-25 s after the operator's
// start): with a hold shorter than that, the first apps' events were written
// in the middle of it, competing with the Job controller's Pod creates. Their
// timestamps are those of the moment they were emitted.
import { randomBytes } from 'node:crypto';
import type { CoreV1Event, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { FIELD_MANAGER } from '../api/names.js';
import type { ConditionReason, EventReason } from '../api/reasons.js';
import { apiCode } from './api-error.js';
import type { EventSink } from './requests.js';

export const EVENT_NORMAL = 'Normal';
export const EVENT_WARNING = 'Warning';
export type EventType = typeof EVENT_NORMAL | typeof EVENT_WARNING;

const MAX_MESSAGE = 1024;
/** The least time between two count updates of one event. */
const DEFAULT_PATCH_INTERVAL_MS = 5_000;
const MAX_REMEMBERED = 10_000;
const DEFAULT_MAX_IN_FLIGHT = 4;
const DEFAULT_MAX_BACKLOG = 10_000;
/** How often held events look again whether they may go. */
const HOLD_POLL_MS = 100;
const DEFAULT_MAX_HOLD_MS = 30_000;

export interface EventRecorderOptions {
  /** reportingInstance: tells replicas apart (the leader-election identity). */
  instance: string;
  log: Logger;
  /** Repeats within this long of the last one count on the same event; default 10 min. */
  dedupWindowMs?: number;
  /** The least time between two count updates of one event; default 5 s. */
  patchIntervalMs?: number;
  /** While true, events wait (see above); default never. */
  holdWhile?: () => boolean;
  /** The longest an event is held back; default 30 s. */
  maxHoldMs?: number;
  /** Event writes in flight at once; default 4. */
  maxInFlight?: number;
  /** Events waiting beyond this are dropped, oldest first, and counted in a warning; default 10,000. */
  maxBacklog?: number;
  /** Told of each event (or count update) dropped so. */
  onDropped?: () => void;
}

/** One written (or to be written) event and the repeats that count on it. */
interface Series {
  namespace: string;
  name: string;
  count: number;
  lastAt: number;
  /** Created in the API server: repeats can be patched onto it. */
  written: boolean;
  /** The count the API server has. */
  writtenCount: number;
  lastPatchAt: number;
  patchTimer?: NodeJS.Timeout;
  patching: boolean;
}

type Write = { kind: 'create'; event: CoreV1Event; series: Series; at: number } | { kind: 'patch'; series: Series; at: number };

export class EventRecorder {
  /** dedup key → its series, least recently repeated first. */
  private readonly recent = new Map<string, Series>();
  private readonly dedupWindowMs: number;
  private readonly patchIntervalMs: number;
  private readonly backlog: Write[] = [];
  private readonly idleWaiters: Array<() => void> = [];
  private inFlight = 0;
  /**
   * Tells apart two events of one object in one millisecond (client-go uses
   * the nanosecond clock). A counter from a random start, not a random
   * draw per event: randomBytes was 2 % of the operator's CPU in a burst.
   */
  private sequence = randomBytes(2).readUInt16BE();
  private dropped = 0;
  private flushing = false;
  private holdTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly api: EventSink,
    private readonly options: EventRecorderOptions,
  ) {
    this.dedupWindowMs = options.dedupWindowMs ?? 10 * 60 * 1000;
    this.patchIntervalMs = options.patchIntervalMs ?? DEFAULT_PATCH_INTERVAL_MS;
  }

  /** Events emitted but not yet written. */
  get waiting(): number {
    return this.backlog.length + this.inFlight;
  }

  normal(obj: KubernetesObject, reason: EventReason | ConditionReason, message: string): void {
    this.emit(obj, EVENT_NORMAL, reason, message);
  }

  warning(obj: KubernetesObject, reason: EventReason | ConditionReason, message: string): void {
    this.emit(obj, EVENT_WARNING, reason, message);
  }

  /** Queues the event for writing (see above); an identical one within the window counts on the first. */
  emit(obj: KubernetesObject, type: EventType, reason: EventReason | ConditionReason, message: string): void {
    const meta = obj.metadata ?? {};
    const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message;
    const dedupKey = `${meta.uid ?? `${meta.namespace}/${meta.name}`}|${type}|${reason}|${text}`;
    const now = Date.now();
    const last = this.recent.get(dedupKey);
    if (last !== undefined && now - last.lastAt < this.dedupWindowMs) {
      last.count++;
      last.lastAt = now;
      this.remember(dedupKey, last);
      this.schedulePatch(last);
      return;
    }

    const time = new Date(now);
    const name = `${meta.name}.${now.toString(16)}${this.nextSuffix()}`;
    const series: Series = { namespace: meta.namespace ?? 'default', name, count: 1, lastAt: now, written: false, writtenCount: 0, lastPatchAt: 0, patching: false };
    if (last?.patchTimer) clearTimeout(last.patchTimer);
    this.remember(dedupKey, series);
    const event: CoreV1Event = {
      metadata: { name, namespace: meta.namespace },
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
    this.enqueue({ kind: 'create', event, series, at: now });
  }

  private nextSuffix(): string {
    this.sequence = (this.sequence + 1) & 0xffff;
    return this.sequence.toString(16).padStart(4, '0');
  }

  private enqueue(write: Write): void {
    this.backlog.push(write);
    if (this.backlog.length > (this.options.maxBacklog ?? DEFAULT_MAX_BACKLOG)) {
      const dropped = this.backlog.shift()!;
      // A dropped count update may be scheduled again by the next repeat.
      if (dropped.kind === 'patch') dropped.series.patching = false;
      this.options.onDropped?.();
      if (this.dropped++ % 1000 === 0) this.options.log.warn({ dropped: this.dropped }, 'event backlog full; dropping the oldest events');
    }
    this.pump();
  }

  /**
   * A count update for `series`, once it is written and no sooner than the
   * patch interval after the last; repeats meanwhile ride along with it.
   */
  private schedulePatch(series: Series): void {
    if (!series.written || series.patching || series.patchTimer || this.flushing) return;
    if (series.count === series.writtenCount) return;
    const delay = Math.max(0, series.lastPatchAt + this.patchIntervalMs - Date.now());
    series.patchTimer = setTimeout(() => {
      series.patchTimer = undefined;
      series.patching = true;
      this.enqueue({ kind: 'patch', series, at: Date.now() });
    }, delay).unref();
  }

  /** Writes every waiting event and count update, held or not, and resolves once none is left (on shutdown). */
  async flush(): Promise<void> {
    this.flushing = true;
    try {
      for (const series of this.recent.values()) {
        if (!series.patchTimer) continue;
        clearTimeout(series.patchTimer);
        series.patchTimer = undefined;
        series.patching = true;
        this.backlog.push({ kind: 'patch', series, at: Date.now() });
      }
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
      this.write(this.backlog.shift()!);
    }
    if (this.waiting === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Fire and forget: an event that cannot be written is logged, never retried. */
  private write(write: Write): void {
    this.inFlight++;
    const { series } = write;
    const done = write.kind === 'create' ? this.create(write.event, series) : this.patch(series);
    void done.finally(() => {
      this.inFlight--;
      this.pump();
    });
  }

  private async create(event: CoreV1Event, series: Series): Promise<void> {
    const { namespace, name } = event.involvedObject;
    try {
      await this.api.createNamespacedEvent({ namespace: namespace ?? 'default', body: event });
      series.written = true;
      series.writtenCount = 1;
      series.lastPatchAt = Date.now();
      // Repeats while it was being written.
      this.schedulePatch(series);
    } catch (err) {
      this.options.log.warn({ err, reason: event.reason, object: `${namespace}/${name}` }, 'cannot write event');
    }
  }

  private async patch(series: Series): Promise<void> {
    const count = series.count;
    try {
      await this.api.patchNamespacedEvent({ namespace: series.namespace, name: series.name, body: { count, lastTimestamp: new Date(series.lastAt) } });
      series.writtenCount = count;
    } catch (err) {
      // Gone (the API server keeps events an hour): the next repeat starts a new one.
      if (apiCode(err) === 404) series.lastAt = -Infinity;
      else this.options.log.warn({ err, event: `${series.namespace}/${series.name}` }, 'cannot update event count');
    } finally {
      series.lastPatchAt = Date.now();
      series.patching = false;
      this.schedulePatch(series);
    }
  }

  private remember(key: string, series: Series): void {
    this.recent.delete(key);
    this.recent.set(key, series);
    if (this.recent.size > MAX_REMEMBERED) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
  }
}
