// A throwaway redis-server on a free loopback port, with no persistence.
import { connect } from 'node:net';
import { join } from 'node:path';
import { WasiOperatorError } from '../../util/errors.js';
import { freePort } from './free-port.js';
import { startManagedProcess, waitUntilReady, type ManagedProcess } from './managed-process.js';

export interface RedisServer {
  port: number;
  /** host:port, as Dapr's `redisHost` wants it. */
  address: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** Sends one inline command and returns the raw reply (enough for PING and HGET). */
function redisCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
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

/** HGET over RESP; undefined when the field is missing. */
export async function redisHashGet(port: number, key: string, field: string): Promise<string | undefined> {
  const reply = await redisCommand(port, `HGET "${key}" "${field}"`);
  if (reply.startsWith('$-1')) return undefined;
  const header = reply.indexOf('\r\n');
  const value = reply.slice(header + 2, header + 2 + Number(reply.slice(1, header)));
  return Buffer.from(value, 'latin1').toString('utf8');
}

async function ping(port: number): Promise<boolean> {
  return (await redisCommand(port, 'PING')).startsWith('+PONG');
}

export async function startRedis(workDir: string, command = 'redis-server'): Promise<RedisServer> {
  const port = await freePort();
  const proc = startManagedProcess(
    'redis-server',
    command,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', workDir],
    join(workDir, `redis-${port}.log`),
  );
  try {
    await waitUntilReady(proc, () => ping(port), 10_000, 'ERR_REDIS_START');
  } catch (err) {
    await proc.stop();
    if (proc.spawnError()) {
      throw new WasiOperatorError('ERR_REDIS_START', `cannot run ${command}; install it with: apt-get install -y redis-server`, { cause: err });
    }
    throw err;
  }
  return { port, address: `127.0.0.1:${port}`, process: proc, stop: () => proc.stop() };
}
