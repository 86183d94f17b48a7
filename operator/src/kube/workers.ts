// Worker loops that drain a WorkQueue into a reconcile function and turn its
// outcome into queue operations: a thrown error retries with backoff, unless
// it is terminal (a retry cannot fix it: controller-runtime's TerminalError),
// a `requeueAfterMs` looks again later, anything else is done.
import type { WorkQueue } from './workqueue.js';

export interface ReconcileResult {
  requeueAfterMs?: number;
}

export type ReconcileFn = (key: string) => Promise<ReconcileResult | void>;

export type ReconcileOutcome = 'success' | 'requeue' | 'error' | 'terminal';

export interface WorkerHooks {
  /** Called after every reconcile with its outcome and duration. */
  onReconciled?: (key: string, outcome: ReconcileOutcome, seconds: number, err?: unknown) => void;
  /** Whether an error is terminal: not retried; the key comes back only when something enqueues it again. */
  isTerminal?: (err: unknown) => boolean;
}

export interface Workers {
  /** Resolves when every worker has returned (after the queue shut down). */
  done: Promise<void>;
}

export function runWorkers(queue: WorkQueue, concurrency: number, reconcile: ReconcileFn, hooks: WorkerHooks = {}): Workers {
  const loops: Array<Promise<void>> = [];
  for (let i = 0; i < Math.max(1, concurrency); i += 1) loops.push(workerLoop(queue, reconcile, hooks));
  return { done: Promise.all(loops).then(() => undefined) };
}

async function workerLoop(queue: WorkQueue, reconcile: ReconcileFn, hooks: WorkerHooks): Promise<void> {
  for (;;) {
    const key = await queue.get();
    if (key === undefined) return;
    const started = process.hrtime.bigint();
    let outcome: ReconcileOutcome = 'success';
    let error: unknown;
    try {
      const result = await reconcile(key);
      queue.forget(key);
      if (result && result.requeueAfterMs !== undefined) {
        outcome = 'requeue';
        // A look later is a follow-up; new work comes back through a watch event.
        queue.addAfter(key, result.requeueAfterMs, 'low');
      }
    } catch (err) {
      error = err;
      if (hooks.isTerminal?.(err)) {
        outcome = 'terminal';
        queue.forget(key);
      } else {
        outcome = 'error';
        queue.addRateLimited(key);
      }
    } finally {
      queue.done(key);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    hooks.onReconciled?.(key, outcome, seconds, error);
  }
}
