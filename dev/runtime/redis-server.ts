// A real redis-server for the demo or one test file: free port, throw-away directory, no
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
import { freePorts } from '../cluster/free-port.js';
import { startProcess, waitFor, type ManagedProcess } from './processes.js';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';

export interface LocalRedis {
  readonly host: string;
  readonly port: number;
  /** host:port */
  readonly address: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/** Sends one inline command and returns the raw reply (enough for PING and HGET). */
function redisCommand(port: number, command: string, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    let reply = '';
    socket.setTimeout(2000);
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (data) => {
      // latin1 keeps one char per byte, so RESP's byte lengths index the string.
      reply += data.toString('latin1');
      if (isCompleteReply(reply)) {
        socket.destroy();
        resolve(reply);
      }
    });
    socket.on('error', reject);
    socket.on('timeout', () => (socket.destroy(), reject(new Error(`redis ${command}: timed out`))));
  });
}

function isCompleteReply(reply: string): boolean {
  if (!reply.endsWith('\r\n')) return false;
  if (!reply.startsWith('$')) return true;
  const length = Number(reply.slice(1, reply.indexOf('\r\n')));
  return length < 0 || reply.length >= reply.indexOf('\r\n') + 2 + length + 2;
}

/** HGET over RESP; undefined when the field is missing. `host` may be a Service's ClusterIP (kube-proxy routes it). */
export async function redisHashGet(port: number, key: string, field: string, host = '127.0.0.1'): Promise<string | undefined> {
  const reply = await redisCommand(port, `HGET "${key}" "${field}"`, host);
  if (reply.startsWith('$-1')) return undefined;
  const header = reply.indexOf('\r\n');
  const value = reply.slice(header + 2, header + 2 + Number(reply.slice(1, header)));
  return Buffer.from(value, 'latin1').toString('utf8');
}

async function ping(port: number): Promise<true | undefined> {
  return (await redisCommand(port, 'PING')).startsWith('+PONG') ? true : undefined;
}

export interface StartRedisOptions {
  /** Listen on this port instead of a free one: a test that restarts Redis where daprd's Component points. */
  port?: number;
}

export async function startRedis(options: StartRedisOptions = {}): Promise<LocalRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'wasi-operator-redis-'));
  const port = options.port ?? ((await freePorts(1)) as [number])[0];
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
