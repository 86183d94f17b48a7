// One run in flight per key; callers that arrive meanwhile share the next run,
// which uses the latest caller's task.
import { setTimeout as sleep } from 'node:timers/promises';
import { CoalescingFlight } from '../../operator/src/util/coalescing-flight.js';

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

test('an idle key runs at once', async () => {
  const flight = new CoalescingFlight<string>();
  expect(await flight.run('a', async () => 'done')).toBe('done');
  await sleep(0);
  expect(flight.size).toBe(0);
});

test('callers arriving during a run share one next run, with the latest task', async () => {
  const flight = new CoalescingFlight<string>();
  const first = gate();
  const ran: string[] = [];
  const one = flight.run('a', async () => {
    ran.push('one');
    await first.promise;
    return 'one';
  });
  const two = flight.run('a', async () => {
    ran.push('two');
    return 'two';
  });
  const three = flight.run('a', async () => {
    ran.push('three');
    return 'three';
  });
  first.open();
  expect(await Promise.all([one, two, three])).toEqual(['one', 'three', 'three']);
  expect(ran).toEqual(['one', 'three']);
});

test('keys do not wait for each other', async () => {
  const flight = new CoalescingFlight<string>();
  const blocked = gate();
  const a = flight.run('a', async () => {
    await blocked.promise;
    return 'a';
  });
  expect(await flight.run('b', async () => 'b')).toBe('b');
  blocked.open();
  expect(await a).toBe('a');
});

test('a failed run rejects its callers only; the next run goes ahead', async () => {
  const flight = new CoalescingFlight<string>();
  const failing = flight.run('a', async () => {
    await sleep(10);
    throw new Error('apply failed');
  });
  const next = flight.run('a', async () => 'second');
  await expect(failing).rejects.toThrow('apply failed');
  expect(await next).toBe('second');
});

test('after a run the key stays busy for the interval, so a steady stream is served in batches', async () => {
  const flight = new CoalescingFlight<number>(80);
  let runs = 0;
  const task = async () => ++runs;
  await flight.run('a', task);
  const started = performance.now();
  const later = await Promise.all([flight.run('a', task), flight.run('a', task), flight.run('a', task)]);
  expect(later).toEqual([2, 2, 2]);
  expect(performance.now() - started).toBeGreaterThanOrEqual(60);
});
