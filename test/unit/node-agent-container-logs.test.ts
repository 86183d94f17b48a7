// How the node agent cuts and follows a container's log for `kubectl logs`.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastLines, parseLogQuery, streamContainerLog, type LogQuery } from '../../operator/src/local/node-agent/container-logs.js';

const dir = mkdtempSync(join(tmpdir(), 'container-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let serial = 0;
function logFile(text: string): string {
  const path = join(dir, `c${++serial}.log`);
  writeFileSync(path, text);
  return path;
}

async function read(path: string, query: Partial<LogQuery>, isRunning: () => boolean = () => false): Promise<string> {
  const chunks: Buffer[] = [];
  await streamContainerLog(path, { follow: false, previous: false, ...query }, { write: (c) => chunks.push(Buffer.from(c)) }, { isRunning, signal: new AbortController().signal });
  return Buffer.concat(chunks).toString();
}

describe('lastLines', () => {
  test.each([
    ['a\nb\nc\n', 2, 'b\nc\n'],
    ['a\nb\nc', 2, 'b\nc'],
    ['a\nb\n', 5, 'a\nb\n'],
    ['a\nb\n', 0, ''],
    ['', 3, ''],
    ['only', 1, 'only'],
  ])('%j, last %i → %j', (log, n, expected) => {
    expect(lastLines(Buffer.from(log), n).toString()).toBe(expected);
  });
});

describe('parseLogQuery', () => {
  test('reads follow, previous, tailLines and limitBytes as kubectl sends them', () => {
    expect(parseLogQuery(new URLSearchParams('follow=true&tailLines=10&limitBytes=100'))).toEqual({ follow: true, previous: false, tailLines: 10, limitBytes: 100 });
    expect(parseLogQuery(new URLSearchParams('previous=true'))).toEqual({ follow: false, previous: true });
  });

  test.each(['tailLines=-1', 'tailLines=x', 'limitBytes=0', 'limitBytes=1.5'])('%s is refused naming the parameter', (query) => {
    expect(() => parseLogQuery(new URLSearchParams(query))).toThrow(expect.objectContaining({ code: 'ERR_NODE_AGENT_LOG_QUERY', message: expect.stringContaining(query.split('=')[0]!) }));
  });
});

describe('streamContainerLog', () => {
  test('without follow: the whole log, its tail, or its first bytes', async () => {
    const path = logFile('one\ntwo\nthree\n');
    expect(await read(path, {})).toBe('one\ntwo\nthree\n');
    expect(await read(path, { tailLines: 1 })).toBe('three\n');
    expect(await read(path, { limitBytes: 6 })).toBe('one\ntw');
    expect(await read(path, { tailLines: 2, limitBytes: 4 })).toBe('two\n');
  });

  test('with follow: what is written next, until the container has ended', async () => {
    const path = logFile('start\n');
    let running = true;
    const reading = read(path, { follow: true }, () => running);
    setTimeout(() => appendFileSync(path, 'more\n'), 100);
    setTimeout(() => {
      appendFileSync(path, 'last\n');
      running = false;
    }, 500);
    expect(await reading).toBe('start\nmore\nlast\n');
  });

  test('with follow and limitBytes: stops once the limit is reached, even while the container runs', async () => {
    const path = logFile('12345');
    setTimeout(() => appendFileSync(path, '67890'), 100);
    expect(await read(path, { follow: true, limitBytes: 7 }, () => true)).toBe('1234567');
  });

  test('with follow: an abort ends it while the container still runs', async () => {
    const path = logFile('x\n');
    const abort = new AbortController();
    const chunks: string[] = [];
    const reading = streamContainerLog(path, { follow: true, previous: false }, { write: (c) => chunks.push(c.toString()) }, { isRunning: () => true, signal: abort.signal });
    setTimeout(() => abort.abort(), 100);
    await reading;
    expect(chunks.join('')).toBe('x\n');
  });
});
