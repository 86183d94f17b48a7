// A real redis-server for one test file: free port, throw-away directory, no
// persistence. `stop()` is safe to call twice, so a test can stop Redis to see
// what happens and afterAll can still call it.
//
//   let redis: TestRedis;
//   beforeAll(async () => { redis = await startRedis(); });
//   afterAll(async () => { await redis?.stop(); });
//   // redis.address is "127.0.0.1:PORT", what a state.redis Component's redisHost wants
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { startProcess, waitFor, type ManagedProcess } from './processes.js';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';

export interface TestRedis {
  readonly host: string;
  readonly port: number;
  /** host:port */
  readonly address: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/** Sends PING over a raw socket; resolves true on +PONG. */
function ping(port: number): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    let reply = '';
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      reply += data.toString();
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.startsWith('+PONG') ? true : undefined);
      }
    });
    socket.on('error', () => resolve(undefined));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(undefined);
    });
  });
}

export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'wasi-operator-redis-'));
  const port = await freePort();
  const proc = startProcess('redis-server', REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { cwd: dir });
  const stop = async () => {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(`redis-server PING on port ${port}`, () => ping(port), { timeoutMs: 15_000, process: proc });
  } catch (err) {
    await stop();
    throw err;
  }
  return { host: '127.0.0.1', port, address: `127.0.0.1:${port}`, process: proc, stop };
}
