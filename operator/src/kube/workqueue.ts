// A keyed work queue in the shape of client-go's: a key is queued at most once
// (duplicates merge while it waits), at most one worker holds a key at a time,
// and a key added while it is being processed is queued again when it is done.
// Failures back off exponentially per key; `addAfter` serves requeueAfter.
//
// Two priorities, like controller-runtime's priority queue: `normal` for work
// that makes children (a new app, a spec change), `low` for follow-ups (a
// child changed, a resync, a requeue). Under a burst of new apps their Pods
// come first and the status writes trail; a low key that has waited
// `maxLowWaitMs` is served next anyway, so follow-ups are never starved.

export interface WorkQueueOptions {
  /** First retry delay after a failure. */
  baseDelayMs?: number;
  /** Cap for the per-key exponential backoff. */
  maxDelayMs?: number;
  /** Called whenever the number of waiting keys changes (the depth metric). */
  onDepthChange?: (depth: number) => void;
  /** Longest a low-priority key waits behind normal ones; default 10 s. */
  maxLowWaitMs?: number;
  now?: () => number;
}

export type Priority = 'normal' | 'low';

export const DEFAULT_BASE_DELAY_MS = 50;
export const DEFAULT_MAX_DELAY_MS = 5 * 60 * 1000;
export const DEFAULT_MAX_LOW_WAIT_MS = 10_000;

interface Entry {
  key: string;
  priority: Priority;
  /** When it was queued (for the low-priority wait limit). */
  at: number;
}

/**
 * A FIFO of entries with O(1) push and shift. An entry whose key was lifted
 * to the other FIFO stays behind, stale, and is skipped when it comes up.
 */
class Fifo {
  private items: Entry[] = [];
  private head = 0;

  push(entry: Entry): void {
    this.items.push(entry);
  }

  /** The oldest entry for which `isCurrent` holds; stale ones are dropped on the way. */
  peek(isCurrent: (entry: Entry) => boolean): Entry | undefined {
    while (this.head < this.items.length) {
      const item = this.items[this.head] as Entry;
      if (isCurrent(item)) return item;
      this.head++;
    }
    this.compact();
    return undefined;
  }

  shift(): void {
    this.head++;
    this.compact();
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

export class WorkQueue {
  private readonly normal = new Fifo();
  private readonly low = new Fifo();
  /** Waiting keys and their current entry (the one in the FIFO of their priority). */
  private readonly queued = new Map<string, Entry>();
  private normalWaiting = 0;
  /** Keys added (again) while in flight, and the priority to requeue them at. */
  private readonly dirty = new Map<string, Priority>();
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly onDepthChange: (depth: number) => void;
  private readonly maxLowWaitMs: number;
  private readonly now: () => number;
  private shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.onDepthChange = options.onDepthChange ?? (() => {});
    this.maxLowWaitMs = options.maxLowWaitMs ?? DEFAULT_MAX_LOW_WAIT_MS;
    this.now = options.now ?? Date.now;
  }

  /** Keys waiting to be picked up (not counting those in flight or delayed). */
  get depth(): number {
    return this.queued.size;
  }

  /** Keys waiting at normal priority: new work that has not started yet. */
  get normalDepth(): number {
    return this.normalWaiting;
  }

  get inFlight(): number {
    return this.processing.size;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Queues `key` unless it waits already; a normal add lifts a waiting low key. */
  add(key: string, priority: Priority = 'normal'): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      if (this.dirty.get(key) !== 'normal') this.dirty.set(key, priority);
      return;
    }
    const waiting = this.queued.get(key)?.priority;
    if (waiting === 'normal' || waiting === priority) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.take(key);
      waiter(key);
      return;
    }
    const entry: Entry = { key, priority, at: this.now() };
    this.queued.set(key, entry);
    if (priority === 'normal') this.normalWaiting++;
    (priority === 'normal' ? this.normal : this.low).push(entry);
    this.onDepthChange(this.queued.size);
  }

  /** Adds the key once `delayMs` has passed; an earlier pending add wins over a later one. */
  addAfter(key: string, delayMs: number, priority: Priority = 'normal'): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key, priority);
      return;
    }
    const at = this.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key, priority);
    }, delayMs);
    timer.unref();
    this.delayed.set(key, { at, timer });
  }

  /** Requeues a failed key after its exponential backoff and counts the failure. */
  addRateLimited(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    const delay = this.backoffFor(failures);
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets the key's backoff (after a successful reconcile). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  backoffFor(failures: number): number {
    return Math.min(this.baseDelayMs * 2 ** Math.min(failures, 32), this.maxDelayMs);
  }

  /** Resolves with the next key, or undefined once the queue shuts down. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.next();
    if (key !== undefined) {
      this.onDepthChange(this.queued.size);
      this.take(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks a key from `get` as finished; requeues it if it was added meanwhile. */
  done(key: string): void {
    this.processing.delete(key);
    const again = this.dirty.get(key);
    if (again !== undefined && !this.shuttingDown) {
      this.dirty.delete(key);
      this.add(key, again);
    }
    if (this.processing.size === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  /**
   * Stops handing out keys, drops the waiting and delayed ones (a restarted
   * controller resyncs everything anyway) and resolves once every key in
   * flight is done.
   */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    this.normal.clear();
    this.low.clear();
    this.queued.clear();
    this.normalWaiting = 0;
    this.dirty.clear();
    this.onDepthChange(0);
    for (const resolve of this.waiters.splice(0)) resolve(undefined);
    if (this.processing.size === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** The oldest normal key, unless the oldest low key has waited too long. */
  private next(): string | undefined {
    const isCurrent = (entry: Entry): boolean => this.queued.get(entry.key) === entry;
    const low = this.low.peek(isCurrent);
    const normal = this.normal.peek(isCurrent);
    const entry = low && (!normal || this.now() - low.at >= this.maxLowWaitMs) ? low : normal;
    if (!entry) return undefined;
    (entry === low ? this.low : this.normal).shift();
    this.queued.delete(entry.key);
    if (entry.priority === 'normal') this.normalWaiting--;
    return entry.key;
  }

  private take(key: string): void {
    this.processing.add(key);
    this.dirty.delete(key);
  }
}
