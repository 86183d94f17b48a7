// The one log line format of the product (util/logger.ts): what the Pod's log
// tools and our tests read from the controller's stdout and wasi-host's stderr.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../operator/src/util/logger.js';
import { WasiOperatorError } from '../../operator/src/util/errors.js';

function collector(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wasi-logger-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('createLogger', () => {
  test('writes JSON lines: level label, ISO time, pid, the component name, the fields, msg', () => {
    const out = collector();
    createLogger({ name: 'wasi-host', destination: out.stream }).warn({ call: 'req', abiCode: 7 }, 'guest http call failed');
    const [line] = out.lines();
    expect(line).toEqual({ level: 'warn', time: expect.any(String), pid: process.pid, name: 'wasi-host', call: 'req', abiCode: 7, msg: 'guest http call failed' });
    expect(new Date(line!.time as string).toISOString()).toBe(line!.time);
  });

  test('serializes `err` with its type, message, stack, code and cause', () => {
    const out = collector();
    const err = new WasiOperatorError('ERR_HOST_INTERNAL', 'host failed', { cause: new Error('disk full') });
    createLogger({ name: 'wasi-operator', destination: out.stream }).error({ err }, 'host failed');
    expect(out.lines()[0]!.err).toEqual({
      type: 'WasiOperatorError',
      name: 'WasiOperatorError',
      code: 'ERR_HOST_INTERNAL',
      message: 'host failed: disk full',
      stack: expect.stringContaining('caused by: Error: disk full'),
    });
  });

  test('writes nothing below its level; default info', () => {
    const out = collector();
    const info = createLogger({ name: 'wasi-operator', destination: out.stream });
    info.debug('hidden');
    info.info('shown');
    createLogger({ name: 'wasi-operator', level: 'error', destination: out.stream }).warn('hidden too');
    expect(out.lines().map((line) => line.msg)).toEqual(['shown']);
  });

  test('a file descriptor is written before the call returns', () => {
    const path = join(dir, 'sync.log');
    const fd = openSync(path, 'w');
    try {
      createLogger({ name: 'wasi-host', destination: fd }).info({ module: 'app.wasm' }, 'running');
      expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ level: 'info', name: 'wasi-host', module: 'app.wasm', msg: 'running' });
    } finally {
      closeSync(fd);
    }
  });

  test('a descriptor that cannot be written does not throw into the caller', () => {
    const path = join(dir, 'read-only.log');
    closeSync(openSync(path, 'w'));
    const fd = openSync(path, 'r');
    try {
      const log = createLogger({ name: 'wasi-host', destination: fd });
      expect(() => log.error('nobody hears this')).not.toThrow();
      expect(() => log.error('nor this')).not.toThrow();
    } finally {
      closeSync(fd);
    }
  });
});
