// One task in flight per key; callers that arrive while it runs share the
// next run, whose task is the one the latest caller gave (built from the
// freshest state), so however many callers pile up, they cost one more run.
// After a run, the key stays busy for `minIntervalMs`, so a steady stream of
// callers is served in batches instead of one run each.
//
// The operator uses it for the shared state store Components: every new
// sharer grows a Component by one scope, and each apply costs the API server
// work in proportion to the sharers, so one apply per app would make a burst
// of N apps cost N² (see reconcile.ts).
import { setTimeout as sleep } from 'node:timers/promises';

interface Queued<T> {
  task: () => Promise<T>;
  promise: Promise<T>;
}

export class CoalescingFlight<T> {
  /** key → settles when the key may run again (its run is over and the interval has passed). */
  private readonly busy = new Map<string, Promise<void>>();
  private readonly queued = new Map<string, Queued<T>>();

  constructor(private readonly minIntervalMs = 0) {}

  /** Runs `task` now if `key` is idle, else with the next run of `key`; resolves or rejects with that run. */
  run(key: string, task: () => Promise<T>): Promise<T> {
    const queued = this.queued.get(key);
    if (queued) {
      queued.task = task;
      return queued.promise;
    }
    const busy = this.busy.get(key);
    if (!busy) return this.start(key, task);
    const next = { task } as Queued<T>;
    next.promise = busy.then(() => {
      this.queued.delete(key);
      return this.start(key, next.task);
    });
    this.queued.set(key, next);
    return next.promise;
  }

  /** Keys with a run in flight or waiting (for tests and metrics). */
  get size(): number {
    return this.busy.size;
  }

  private start(key: string, task: () => Promise<T>): Promise<T> {
    const result = Promise.resolve().then(task);
    const done: Promise<void> = result
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => (this.minIntervalMs > 0 ? sleep(this.minIntervalMs) : undefined))
      .then(() => {
        if (this.busy.get(key) === done) this.busy.delete(key);
      });
    this.busy.set(key, done);
    return result;
  }
}
