import { inPool } from '../../dev/cli/tools-command.js';

describe('`tools ensure` builds in a pool', () => {
  test('runs at most two builds at a time and every build runs', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    const failures = await inPool([1, 2, 3, 4, 5], 2, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5 * (6 - n)));
      running--;
      done.push(n);
    });
    expect(failures).toEqual([]);
    expect(most).toBe(2);
    expect([...done].sort()).toEqual([1, 2, 3, 4, 5]);
  });

  test('a failed build does not stop the others and is reported with its pin', async () => {
    const done: string[] = [];
    const failures = await inPool(['a', 'b', 'c'], 2, async (name) => {
      if (name === 'a') throw new Error('boom');
      done.push(name);
    });
    expect(done.sort()).toEqual(['b', 'c']);
    expect(failures).toEqual([{ item: 'a', error: new Error('boom') }]);
  });
});
