// Informers that keep running. client-node's ListWatch relists by itself on
// 410 Gone and reconnects after timeouts, but it stops for good on any other
// error; this wrapper starts it again with exponential backoff. Objects are
// trimmed (see trimMetadata) before they are cached.
import {
  ADD,
  DELETE,
  ERROR,
  ListWatch,
  UPDATE,
  Watch,
  type KubeConfig,
  type KubernetesObject,
  type ListPromise,
  type ObjectCache,
} from '@kubernetes/client-node';
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
  /** Trims each listed or watched object in place before it is cached; default `trimMetadata`. */
  trim?: (obj: T) => void;
  /** The value `byIndex` finds an object by (e.g. its owner), or undefined to leave it out. */
  indexBy?: (obj: T) => string | undefined;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Drops what the controller never reads and what is often the biggest part of
 * an object's metadata: managedFields (controller-runtime's
 * TransformStripManagedFields) and the copy of the whole manifest that
 * `kubectl apply` keeps in an annotation. managedFields is assigned, not
 * deleted: `delete` would turn every cached metadata object into a slower,
 * bigger dictionary-mode object.
 */
export function trimMetadata(obj: KubernetesObject): void {
  const metadata = obj.metadata;
  if (!metadata) return;
  if (metadata.managedFields !== undefined) metadata.managedFields = undefined;
  const annotations = metadata.annotations;
  if (annotations?.[LAST_APPLIED] !== undefined) {
    metadata.annotations = Object.fromEntries(Object.entries(annotations).filter(([key]) => key !== LAST_APPLIED));
  }
}

/** A Watch that trims each object before the informer caches it. */
class TrimmingWatch<T extends KubernetesObject> extends Watch {
  constructor(
    kubeConfig: KubeConfig,
    private readonly trim: (obj: T) => void,
  ) {
    super(kubeConfig);
  }

  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    return super.watch(
      path,
      queryParams,
      (phase, apiObj, watchObj) => {
        if ((phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED') && apiObj) this.trim(apiObj as T);
        callback(phase, apiObj, watchObj);
      },
      done,
    );
  }
}

export class ResilientInformer<T extends KubernetesObject> implements ObjectCache<T> {
  private readonly informer: ListWatch<T>;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private backoffMs: number;
  private failedSinceStart = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = true;
  private hasSynced = false;
  private absent = false;
  private syncedWaiters: Array<() => void> = [];
  /** indexBy value → "namespace/name" → object; what a reconcile would otherwise find by scanning the whole cache. */
  private readonly index = new Map<string, Map<string, T>>();
  private readonly indexedAs = new Map<string, string>();

  constructor(private readonly options: ResilientInformerOptions<T>) {
    this.minBackoffMs = options.minBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.backoffMs = this.minBackoffMs;
    const trim = options.trim ?? trimMetadata;
    const list: ListPromise<T> = async () => {
      const listed = await options.list();
      for (const item of listed.items) trim(item);
      return listed;
    };
    this.informer = new ListWatch(options.path, new TrimmingWatch(options.kubeConfig, trim), list, false, options.labelSelector);
    if (options.indexBy) {
      // Registered before the handlers, so whatever they enqueue finds the index current.
      const indexBy = options.indexBy;
      this.informer.on(ADD, (obj) => this.reindex(obj, indexBy(obj)));
      this.informer.on(UPDATE, (obj) => this.reindex(obj, indexBy(obj)));
      this.informer.on(DELETE, (obj) => this.reindex(obj, undefined));
    }
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

  /** The cached objects whose `indexBy` value is `value`. */
  byIndex(value: string): T[] {
    return [...(this.index.get(value)?.values() ?? [])];
  }

  private reindex(obj: T, value: string | undefined): void {
    const key = `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
    const previous = this.indexedAs.get(key);
    if (previous !== undefined && previous !== value) {
      const bucket = this.index.get(previous);
      bucket?.delete(key);
      if (bucket?.size === 0) this.index.delete(previous);
    }
    if (value === undefined) {
      this.indexedAs.delete(key);
      return;
    }
    this.indexedAs.set(key, value);
    let bucket = this.index.get(value);
    if (!bucket) this.index.set(value, (bucket = new Map()));
    bucket.set(key, obj);
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
