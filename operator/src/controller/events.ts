// Kubernetes Events (core/v1) about WasiApps. Callers emit on transitions;
// the recorder also drops an identical event (same object, type, reason and
// message) seen within the dedup window, so a retrying reconcile does not
// flood the namespace.
import { randomBytes } from 'node:crypto';
import type { CoreV1Api, CoreV1Event, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { FIELD_MANAGER } from '../api/names.js';

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

export interface EventRecorderOptions {
  /** reportingInstance: tells replicas apart (the leader-election identity). */
  instance: string;
  log: Logger;
  dedupWindowMs?: number;
}

export class EventRecorder {
  private readonly recent = new Map<string, number>();
  private readonly dedupWindowMs: number;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly api: CoreV1Api,
    private readonly options: EventRecorderOptions,
  ) {
    this.dedupWindowMs = options.dedupWindowMs ?? 10 * 60 * 1000;
  }

  normal(obj: KubernetesObject, reason: string, message: string): void {
    this.emit(obj, EVENT_NORMAL, reason, message);
  }

  warning(obj: KubernetesObject, reason: string, message: string): void {
    this.emit(obj, EVENT_WARNING, reason, message);
  }

  /** Fire and forget: an event that cannot be written is logged, never retried. */
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
    const write = this.api
      .createNamespacedEvent({ namespace: meta.namespace ?? 'default', body: event })
      .then(
        () => undefined,
        (err: unknown) => this.options.log.warn({ err, reason, object: `${meta.namespace}/${meta.name}` }, 'cannot write event'),
      );
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write));
  }

  /** Waits for events still being written (on shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
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
