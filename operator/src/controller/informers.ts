// Informers that keep running. client-node's ListWatch relists by itself on
// 410 Gone and reconnects after timeouts, but it stops for good on any other
// error; this wrapper starts it again with exponential backoff.
import { ADD, DELETE, ERROR, UPDATE, makeInformer, type Informer, type KubeConfig, type KubernetesObject, type ListPromise, type ObjectCache } from '@kubernetes/client-node';
import type { Logger } from 'pino';

export interface InformerHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(obj: T): void;
  onDelete?(obj: T): void;
}

export interface ResilientInformerOptions<T extends KubernetesObject> {
  /** For logs: "wasiapps", "pods", "components". */
  name: string;
  kubeConfig: KubeConfig;
  /** Watch path, e.g. /api/v1/namespaces/default/pods. */
  path: string;
  list: ListPromise<T>;
  labelSelector?: string;
  log: Logger;
  handlers: InformerHandlers<T>;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** An error for which the informer counts as synced but empty (e.g. a CRD that is not installed). */
  isAbsent?: (err: unknown) => boolean;
}

export class ResilientInformer<T extends KubernetesObject> implements ObjectCache<T> {
  private readonly informer: Informer<T> & ObjectCache<T>;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private backoffMs: number;
  private failedSinceStart = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = true;
  private hasSynced = false;
  private absent = false;
  private syncedWaiters: Array<() => void> = [];

  constructor(private readonly options: ResilientInformerOptions<T>) {
    this.minBackoffMs = options.minBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.backoffMs = this.minBackoffMs;
    this.informer = makeInformer(options.kubeConfig, options.path, options.list, options.labelSelector);
    const { handlers } = options;
    if (handlers.onAdd) this.informer.on(ADD, handlers.onAdd);
    if (handlers.onUpdate) this.informer.on(UPDATE, handlers.onUpdate);
    if (handlers.onDelete) this.informer.on(DELETE, handlers.onDelete);
    this.informer.on(ERROR, (err) => this.onError(err));
  }

  get synced(): boolean {
    return this.hasSynced;
  }

  /** Starts listing and watching; resolves once the first list is in the cache. */
  async start(): Promise<void> {
    this.stopped = false;
    const synced = new Promise<void>((resolve) => this.syncedWaiters.push(resolve));
    void this.run();
    await synced;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    for (const resolve of this.syncedWaiters.splice(0)) resolve();
    await this.informer.stop();
  }

  get(name: string, namespace?: string): T | undefined {
    return this.informer.get(name, namespace);
  }

  list(namespace?: string): ReadonlyArray<T> {
    return this.informer.list(namespace);
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    this.failedSinceStart = false;
    try {
      await this.informer.start();
    } catch (err) {
      this.onError(err);
      return;
    }
    if (this.failedSinceStart || this.stopped) return;
    this.backoffMs = this.minBackoffMs;
    if (this.absent) {
      this.absent = false;
      this.options.log.info({ informer: this.options.name }, 'resource available again');
    }
    this.markSynced();
  }

  private onError(err: unknown): void {
    this.failedSinceStart = true;
    if (this.stopped || this.restartTimer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.maxBackoffMs);
    if (this.options.isAbsent?.(err)) {
      if (!this.absent) this.options.log.warn({ informer: this.options.name, err, retryInMs: delay }, 'resource not served by the API server');
      this.absent = true;
      this.markSynced();
    } else {
      this.options.log.warn({ informer: this.options.name, err, retryInMs: delay }, 'informer failed; restarting');
    }
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.run();
    }, delay);
    this.restartTimer.unref();
  }

  private markSynced(): void {
    this.hasSynced = true;
    for (const resolve of this.syncedWaiters.splice(0)) resolve();
  }
}

/** /api/v1/pods or /api/v1/namespaces/NS/pods; /apis/G/V/... for groups. */
export function watchPath(groupVersion: string, plural: string, namespace?: string): string {
  const root = groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
  return namespace ? `${root}/namespaces/${namespace}/${plural}` : `${root}/${plural}`;
}
