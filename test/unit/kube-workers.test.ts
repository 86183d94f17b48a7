// Worker loops: how a reconcile's outcome becomes queue work. Counted in
// reconcile calls per key, against a real WorkQueue with a 1 ms backoff.
import { afterEach, describe, expect, test } from '@jest/globals';
import { runWorkers, type ReconcileOutcome } from '../../operator/src/kube/workers.js';
import { WorkQueue } from '../../operator/src/kube/workqueue.js';
import { eventually } from '../helpers/eventually.js';

class Refused extends Error {
  readonly terminal = true;
}

let queue: WorkQueue | undefined;
afterEach(async () => {
  await queue?.shutdown();
  queue = undefined;
});

describe('runWorkers', () => {
  test('a terminal error is not retried while an ordinary error is retried with backoff until it works', async () => {
    queue = new WorkQueue({ baseDelayMs: 1, maxDelayMs: 1 });
    const calls = new Map<string, number>();
    const outcomes: Array<[string, ReconcileOutcome]> = [];
    runWorkers(
      queue,
      2,
      async (key) => {
        const n = (calls.get(key) ?? 0) + 1;
        calls.set(key, n);
        if (key === 'ns/refused') throw new Refused('the name is taken');
        if (key === 'ns/flaky' && n <= 3) throw new Error('the server is busy');
      },
      {
        isTerminal: (err) => err instanceof Refused,
        onReconciled: (key, outcome) => void outcomes.push([key, outcome]),
      },
    );
    queue.add('ns/refused');
    queue.add('ns/flaky');
    // The flaky key fails three times, each retried after 1 ms; a retried terminal key would have come back as often.
    await eventually('the flaky key to succeed', () => calls.get('ns/flaky') === 4);
    expect(calls.get('ns/refused')).toBe(1);
    expect(outcomes.filter(([key]) => key === 'ns/refused')).toEqual([['ns/refused', 'terminal']]);
    expect(outcomes.filter(([key]) => key === 'ns/flaky').map(([, outcome]) => outcome)).toEqual(['error', 'error', 'error', 'success']);
    expect(queue.numRequeues('ns/refused')).toBe(0);

    // Something that enqueues it again (a change to the app) runs it again.
    queue.add('ns/refused');
    await eventually('the refused key to run again', () => calls.get('ns/refused') === 2);
  });

  test('a requeueAfterMs result looks again later', async () => {
    queue = new WorkQueue({ baseDelayMs: 1 });
    let calls = 0;
    runWorkers(queue, 1, async () => {
      calls += 1;
      return calls === 1 ? { requeueAfterMs: 5 } : {};
    });
    queue.add('ns/later');
    await eventually('the second look', () => calls === 2);
  });
});
