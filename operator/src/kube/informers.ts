// Informers that keep running: list, then watch from the list's
// resourceVersion, into a cache read by reconciles. A watch the server ends
// (its timeout) or whose connection fails (an API server restarting) is
// resumed from the last resourceVersion seen (bookmarks included), with
// exponential backoff while the server cannot be reached, as client-go's
// reflector does: no relist per retry. 410 Gone relists once; any other
// failure restarts the informer (a new list) with exponential backoff. Objects are trimmed (see trimMetadata) before they
// are cached. Plain JSON throughout: the list and the watch give the same
// shapes.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { KubeApiClient, WatchEvent } from './api-client.js';
import { KubeApiError, apiCode } from './api-error.js';

export interface InformerHandlers<T> {
  onAdd?(obj: T): void;
  onUpdate?(obj: T): void;
  onDelete?(obj: T): void;
}

/** What reconciles read: one object by name, or all of a namespace. */
export interface ObjectCache<T> {
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): ReadonlyArray<T>;
}

export interface ResilientInformerOptions<T extends KubernetesObject> {
  /** For logs: "wasiapps", "pods", "components". */
  name: string;
  api: KubeApiClient;
  /** Collection path, e.g. /api/v1/namespaces/default/pods; listed, then watched. */
  path: string;
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
  /** Called after every successful list: the first (`start`), after 410 Gone (`gone`), after a restart (`restart`). */
  onListed?: (reason: ListReason) => void;
}

export type ListReason = 'start' | 'gone' | 'restart';

interface ObjectList<T> {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string };
  items?: T[];
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

/** client-go's watch length: the server ends each watch after 5–10 minutes, spread so informers do not renew together. */
function watchTimeoutSeconds(): number {
  return 300 + Math.floor(Math.random() * 300);
}

/** A watch that ends sooner than this is resumed only after the minimum backoff. */
const MIN_WATCH_MS = 1000;

const nameOf = (obj: KubernetesObject): string => obj.metadata?.name ?? '';
const namespaceOf = (obj: KubernetesObject): string => obj.metadata?.namespace ?? '';

export class ResilientInformer<T extends KubernetesObject> implements ObjectCache<T> {
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly trim: (obj: T) => void;
  private backoffMs: number;
  private restartTimer: NodeJS.Timeout | undefined;
  private watchAbort: AbortController | undefined;
  /** Bumped by every (re)start and stop, so a superseded run's late results are dropped. */
  private life = 0;
  private stopped = true;
  private hasSynced = false;
  /** The last list or watch reached the API server (an absent resource counts: the server answered). */
  private hasReachedServer = false;
  private absent = false;
  private resourceVersion = '';
  private syncedWaiters: Array<() => void> = [];
  /** namespace → name → object. */
  private objects = new Map<string, Map<string, T>>();
  /** indexBy value → "namespace/name" → object; what a reconcile would otherwise find by scanning the whole cache. */
  private readonly index = new Map<string, Map<string, T>>();
  private readonly indexedAs = new Map<string, string>();
  /** Tests set WASI_OPERATOR_FREEZE_CACHE=1: a reconcile that writes into a cached object then throws. */
  private readonly freeze = process.env.WASI_OPERATOR_FREEZE_CACHE === '1';

  constructor(private readonly options: ResilientInformerOptions<T>) {
    this.minBackoffMs = options.minBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.backoffMs = this.minBackoffMs;
    this.trim = options.trim ?? trimMetadata;
  }

  get synced(): boolean {
    return this.hasSynced;
  }

  /** False from a failed list or watch until the next list succeeds: the cache is falling behind. */
  get reachable(): boolean {
    return this.hasReachedServer;
  }

  /** Starts listing and watching; resolves once the first list is in the cache (or the resource counts as absent). */
  async start(): Promise<void> {
    this.stopped = false;
    const synced = new Promise<void>((resolve) => this.syncedWaiters.push(resolve));
    void this.run(++this.life);
    await synced;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.life++;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.watchAbort?.abort();
    this.watchAbort = undefined;
    for (const resolve of this.syncedWaiters.splice(0)) resolve();
  }

  get(name: string, namespace?: string): T | undefined {
    return this.objects.get(namespace ?? '')?.get(name);
  }

  list(namespace?: string): ReadonlyArray<T> {
    if (namespace) return [...(this.objects.get(namespace)?.values() ?? [])];
    const all: T[] = [];
    for (const inNamespace of this.objects.values()) all.push(...inNamespace.values());
    return all;
  }

  /** The cached objects whose `indexBy` value is `value`. */
  byIndex(value: string): T[] {
    return [...(this.index.get(value)?.values() ?? [])];
  }

  private async run(life: number): Promise<void> {
    try {
      await this.relist(life, this.hasSynced ? 'restart' : 'start');
    } catch (err) {
      if (life === this.life) this.onError(err);
      return;
    }
    if (life !== this.life) return;
    this.backoffMs = this.minBackoffMs;
    if (this.absent) {
      this.absent = false;
      this.options.log.info({ informer: this.options.name }, 'resource available again');
    }
    this.markSynced();
    await this.watchLoop(life);
  }

  /** Lists, then makes the cache exactly the list: adds, updates (new resourceVersion) and deletes are handled as events. */
  private async relist(life: number, reason: ListReason): Promise<void> {
    const listed = await this.options.api.request<ObjectList<T>>('GET', this.options.path, { query: { labelSelector: this.options.labelSelector } });
    if (life !== this.life) return;
    const items = listed.items ?? [];
    const itemKind = listed.kind?.endsWith('List') ? listed.kind.slice(0, -'List'.length) : undefined;
    const seen = new Map<string, Set<string>>();
    for (const item of items) {
      // List items carry no kind of their own (watch events do); give them the list's.
      if (itemKind && item.kind === undefined) {
        item.kind = itemKind;
        item.apiVersion = listed.apiVersion;
      }
      const namespace = namespaceOf(item);
      let names = seen.get(namespace);
      if (!names) seen.set(namespace, (names = new Set()));
      names.add(nameOf(item));
      this.upsert(item);
    }
    for (const [namespace, inNamespace] of this.objects) {
      for (const [name, obj] of inNamespace) if (!seen.get(namespace)?.has(name)) this.remove(obj);
    }
    this.resourceVersion = listed.metadata?.resourceVersion ?? '';
    this.hasReachedServer = true;
    this.options.onListed?.(reason);
  }

  private async watchLoop(life: number): Promise<void> {
    while (life === this.life) {
      const abort = new AbortController();
      this.watchAbort = abort;
      const startedAt = Date.now();
      let gone = false;
      try {
        await this.options.api.watch<T>(
          this.options.path,
          { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, labelSelector: this.options.labelSelector, timeoutSeconds: watchTimeoutSeconds() },
          (event) => {
            if (life !== this.life || gone) return;
            if (this.onWatchEvent(event) === 'gone') {
              gone = true;
              abort.abort();
            }
          },
          abort.signal,
          () => {
            // The server took the watch: reachable again, and the next connection failure backs off from the start.
            this.hasReachedServer = true;
            this.backoffMs = this.minBackoffMs;
          },
        );
      } catch (err) {
        if (life !== this.life) return;
        const code = apiCode(err);
        if (!gone && code === undefined) {
          // No answer at all (connection refused or reset): the cache is still right up to
          // resourceVersion, so watch again from there once the server is back.
          this.hasReachedServer = false;
          const delay = this.backoffMs;
          this.backoffMs = Math.min(this.backoffMs * 2, this.maxBackoffMs);
          this.options.log.warn({ informer: this.options.name, err, retryInMs: delay }, 'watch connection failed; resuming');
          await new Promise((resolve) => setTimeout(resolve, delay).unref());
          continue;
        }
        if (!gone && code !== 410) {
          this.onError(err);
          return;
        }
        gone = true;
      }
      if (!gone && Date.now() - startedAt < MIN_WATCH_MS) {
        // A watch the server ends at once, again and again, must not become a busy loop.
        await new Promise((resolve) => setTimeout(resolve, this.minBackoffMs).unref());
      }
      if (gone) {
        this.options.log.debug({ informer: this.options.name }, 'watch expired; relisting');
        try {
          await this.relist(life, 'gone');
        } catch (err) {
          if (life === this.life) this.onError(err);
          return;
        }
      }
    }
  }

  private onWatchEvent(event: WatchEvent<T>): 'gone' | undefined {
    const obj = event.object;
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.upsert(obj);
        break;
      case 'DELETED':
        this.trim(obj);
        this.remove(obj);
        break;
      case 'BOOKMARK':
        break;
      case 'ERROR': {
        const status = obj as unknown as { code?: number; reason?: string; message?: string };
        if (status.code === 410) return 'gone';
        throw new KubeApiError('WATCH', this.options.path, status.code ?? 500, status.reason, status.message ?? 'watch error');
      }
    }
    const resourceVersion = obj?.metadata?.resourceVersion;
    if (resourceVersion) this.resourceVersion = resourceVersion;
    return undefined;
  }

  private upsert(obj: T): void {
    this.trim(obj);
    if (this.freeze) deepFreeze(obj);
    const namespace = namespaceOf(obj);
    let inNamespace = this.objects.get(namespace);
    if (!inNamespace) this.objects.set(namespace, (inNamespace = new Map()));
    const previous = inNamespace.get(nameOf(obj));
    if (previous && previous.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
    inNamespace.set(nameOf(obj), obj);
    if (this.options.indexBy) this.reindex(obj, this.options.indexBy(obj));
    const { handlers } = this.options;
    if (previous) handlers.onUpdate?.(obj);
    else handlers.onAdd?.(obj);
  }

  private remove(obj: T): void {
    const namespace = namespaceOf(obj);
    const inNamespace = this.objects.get(namespace);
    const cached = inNamespace?.get(nameOf(obj));
    if (!inNamespace || !cached) return;
    inNamespace.delete(nameOf(obj));
    if (inNamespace.size === 0) this.objects.delete(namespace);
    if (this.options.indexBy) this.reindex(obj, undefined);
    this.options.handlers.onDelete?.(obj);
  }

  private reindex(obj: T, value: string | undefined): void {
    const key = `${namespaceOf(obj)}/${nameOf(obj)}`;
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

  private onError(err: unknown): void {
    if (this.stopped || this.restartTimer) return;
    this.life++;
    this.watchAbort?.abort();
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.maxBackoffMs);
    const absent = this.options.isAbsent?.(err) ?? false;
    this.hasReachedServer = absent;
    if (absent) {
      if (!this.absent) this.options.log.warn({ informer: this.options.name, err, retryInMs: delay }, 'resource not served by the API server');
      this.absent = true;
      // Synced but empty: what was cached is gone with the resource.
      for (const obj of this.list()) this.remove(obj);
      this.markSynced();
    } else {
      this.options.log.warn({ informer: this.options.name, err, retryInMs: delay }, 'informer failed; restarting');
    }
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.run(++this.life);
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

/** Freezes `value` and everything in it (the cache's objects are shared by every reconcile, never copied). */
function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}
