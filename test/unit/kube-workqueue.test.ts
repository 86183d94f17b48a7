import { jest } from '@jest/globals';
import { WorkQueue } from '../../operator/src/kube/workqueue.js';
import { runWorkers, type ReconcileOutcome } from '../../operator/src/kube/workers.js';
import { eventually } from '../helpers/eventually.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** For `eventually`: reconciles started by promise callbacks alone, no timer involved, come within a few ms. */
const soon = { timeoutMs: 5000, intervalMs: 2 };

/** Lets every promise callback and I/O turn that is already due run: what "nothing else happened" means here. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

/** Gets the next key and marks it done at once (the queue then holds nothing in flight). */
async function take(queue: WorkQueue): Promise<string | undefined> {
  const key = await queue.get();
  if (key !== undefined) queue.done(key);
  return key;
}

describe('WorkQueue', () => {
  it('merges duplicate keys while they wait', async () => {
    const depths: number[] = [];
    const queue = new WorkQueue({ onDepthChange: (d) => depths.push(d) });
    queue.add('ns/a');
    queue.add('ns/b');
    queue.add('ns/a');
    expect(queue.depth).toBe(2);
    expect(await queue.get()).toBe('ns/a');
    expect(await queue.get()).toBe('ns/b');
    expect(queue.depth).toBe(0);
    expect(depths.at(-1)).toBe(0);
    queue.done('ns/a');
    queue.done('ns/b');
    await queue.shutdown();
  });

  it('hands a key to one worker at a time and reruns it when re-added in flight', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    const key = await queue.get();
    expect(key).toBe('ns/a');
    queue.add('ns/a');
    queue.add('ns/a');
    // Held by a worker: not handed out again yet.
    expect(queue.depth).toBe(0);
    queue.done('ns/a');
    expect(queue.depth).toBe(1);
    expect(await queue.get()).toBe('ns/a');
    queue.done('ns/a');
    expect(queue.depth).toBe(0);
    await queue.shutdown();
  });

  it('grows the per-key backoff exponentially up to the cap and resets it on forget', () => {
    const queue = new WorkQueue({ baseDelayMs: 50, maxDelayMs: 1000 });
    const delays = [1, 2, 3, 4, 5, 6, 7].map(() => queue.addRateLimited('ns/a'));
    expect(delays).toEqual([50, 100, 200, 400, 800, 1000, 1000]);
    expect(queue.numRequeues('ns/a')).toBe(7);
    // Other keys have their own backoff.
    expect(queue.addRateLimited('ns/b')).toBe(50);
    queue.forget('ns/a');
    expect(queue.addRateLimited('ns/a')).toBe(50);
    void queue.shutdown();
  });

  it('adds a key after a delay, the earliest pending delay winning', async () => {
    jest.useFakeTimers();
    try {
      const queue = new WorkQueue();
      queue.addAfter('ns/a', 10_000);
      queue.addAfter('ns/a', 20);
      jest.advanceTimersByTime(19);
      expect(queue.depth).toBe(0);
      jest.advanceTimersByTime(1);
      expect(queue.depth).toBe(1);
      expect(await queue.get()).toBe('ns/a');
      queue.done('ns/a');
      // The later delay was dropped, not kept for another add.
      jest.advanceTimersByTime(10_000);
      expect(queue.depth).toBe(0);
      await queue.shutdown();
    } finally {
      jest.useRealTimers();
    }
  });

  it('measures delays on its own clock: a later, longer pending delay does not replace an earlier one', async () => {
    jest.useFakeTimers();
    try {
      let now = 0;
      const queue = new WorkQueue({ now: () => now });
      queue.addAfter('ns/a', 100);
      // On the queue's clock the second delay ends at 1,050, after the first one's 100.
      now = 1000;
      queue.addAfter('ns/a', 50);
      jest.advanceTimersByTime(50);
      expect(queue.depth).toBe(0);
      jest.advanceTimersByTime(50);
      expect(queue.depth).toBe(1);
      await queue.shutdown();
    } finally {
      jest.useRealTimers();
    }
  });

  it('wakes a waiting worker on add', async () => {
    const queue = new WorkQueue();
    const next = queue.get();
    queue.add('ns/late');
    expect(await next).toBe('ns/late');
    queue.done('ns/late');
    await queue.shutdown();
  });

  it('serves normal keys before low ones, each in the order they came', async () => {
    const queue = new WorkQueue();
    queue.add('ns/status-1', 'low');
    queue.add('ns/new-1');
    queue.add('ns/status-2', 'low');
    queue.add('ns/new-2', 'normal');
    expect(queue.normalDepth).toBe(2);
    const order: Array<string | undefined> = [];
    for (let i = 0; i < 4; i++) order.push(await take(queue));
    expect(order).toEqual(['ns/new-1', 'ns/new-2', 'ns/status-1', 'ns/status-2']);
    expect(queue.normalDepth).toBe(0);
    await queue.shutdown();
  });

  it('lifts a waiting low key to normal when it is added at normal priority, and never lowers one', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a', 'low');
    queue.add('ns/b');
    queue.add('ns/a');
    queue.add('ns/b', 'low');
    expect(queue.depth).toBe(2);
    expect(queue.normalDepth).toBe(2);
    expect(await take(queue)).toBe('ns/b');
    expect(await take(queue)).toBe('ns/a');
    // The low entry of ns/a left behind is not served a second time.
    queue.add('ns/c', 'low');
    expect(await take(queue)).toBe('ns/c');
    expect(queue.depth).toBe(0);
    await queue.shutdown();
  });

  it('serves a low key that has waited its limit before newer normal ones', async () => {
    let now = 0;
    const queue = new WorkQueue({ maxLowWaitMs: 1000, now: () => now });
    queue.add('ns/old-status', 'low');
    now = 500;
    queue.add('ns/new-1');
    expect(await take(queue)).toBe('ns/new-1');
    now = 1000;
    queue.add('ns/new-2');
    expect(await take(queue)).toBe('ns/old-status');
    expect(await take(queue)).toBe('ns/new-2');
    await queue.shutdown();
  });

  it('requeues a key added in flight at the highest priority it was added with', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    expect(await queue.get()).toBe('ns/a');
    queue.add('ns/a', 'low');
    queue.add('ns/a', 'normal');
    queue.add('ns/a', 'low');
    queue.add('ns/z', 'low');
    queue.done('ns/a');
    expect(queue.normalDepth).toBe(1);
    expect(await take(queue)).toBe('ns/a');
    await queue.shutdown();
  });

  it('shuts down: waiting workers get undefined, adds are ignored, in-flight keys finish first', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    queue.add('ns/b');
    const held = await queue.get();
    let drained = false;
    const shutdown = queue.shutdown().then(() => (drained = true));
    queue.add('ns/c');
    expect(await queue.get()).toBeUndefined();
    await settle();
    expect(drained).toBe(false);
    queue.done(held as string);
    await shutdown;
    expect(drained).toBe(true);
    expect(queue.depth).toBe(0);
  });
});

describe('runWorkers', () => {
  it('never runs two reconciles of one key at once, and runs different keys in parallel', async () => {
    const queue = new WorkQueue();
    const running = new Map<string, number>();
    let maxSameKey = 0;
    let maxTotal = 0;
    const release = deferred();
    const calls: string[] = [];
    const workers = runWorkers(queue, 4, async (key) => {
      calls.push(key);
      running.set(key, (running.get(key) ?? 0) + 1);
      maxSameKey = Math.max(maxSameKey, ...running.values());
      maxTotal = Math.max(maxTotal, [...running.values()].reduce((a, b) => a + b, 0));
      await release.promise;
      running.set(key, (running.get(key) ?? 1) - 1);
    });
    queue.add('ns/a');
    queue.add('ns/b');
    await eventually('two reconciles', () => calls.length === 2, soon);
    queue.add('ns/a');
    queue.add('ns/a');
    await settle();
    expect(calls).toEqual(['ns/a', 'ns/b']);
    release.resolve();
    await eventually('the rerun of ns/a', () => calls.length === 3, soon);
    expect(calls[2]).toBe('ns/a');
    expect(maxSameKey).toBe(1);
    expect(maxTotal).toBe(2);
    await queue.shutdown();
    await workers.done;
  });

  it('retries a failing key once each backoff has passed (10, 20, then 40 ms), not sooner, until it succeeds, then forgets its failures', async () => {
    jest.useFakeTimers();
    try {
      const queue = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 1000 });
      const outcomes: ReconcileOutcome[] = [];
      let attempts = 0;
      const workers = runWorkers(
        queue,
        1,
        async () => {
          attempts += 1;
          if (attempts < 4) throw new Error('transient');
        },
        { onReconciled: (_key, outcome) => outcomes.push(outcome) },
      );
      queue.add('ns/a');
      await jest.advanceTimersByTimeAsync(0);
      expect(outcomes).toEqual(['error']);
      for (const backoffMs of [10, 20, 40]) {
        const before = outcomes.length;
        await jest.advanceTimersByTimeAsync(backoffMs - 1);
        expect(outcomes).toHaveLength(before);
        await jest.advanceTimersByTimeAsync(1);
        expect(outcomes).toHaveLength(before + 1);
      }
      expect(outcomes).toEqual(['error', 'error', 'error', 'success']);
      expect(queue.numRequeues('ns/a')).toBe(0);
      await queue.shutdown();
      await workers.done;
    } finally {
      jest.useRealTimers();
    }
  });

  it('reconciles a key again requeueAfterMs after a reconcile asked for it, not sooner, and only once', async () => {
    jest.useFakeTimers();
    try {
      const queue = new WorkQueue();
      let attempts = 0;
      const workers = runWorkers(queue, 1, async () => {
        attempts += 1;
        return attempts === 1 ? { requeueAfterMs: 20 } : {};
      });
      queue.add('ns/a');
      await jest.advanceTimersByTimeAsync(0);
      expect(attempts).toBe(1);
      await jest.advanceTimersByTimeAsync(19);
      expect(attempts).toBe(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(attempts).toBe(2);
      // The second reconcile asked for nothing more.
      await jest.advanceTimersByTimeAsync(60_000);
      expect(attempts).toBe(2);
      await queue.shutdown();
      await workers.done;
    } finally {
      jest.useRealTimers();
    }
  });
});
