// Child processes for the real components we start locally (redis-server,
// daprd, ...) in the demo and the tests: started with their output captured,
// waited for until ready, stopped with SIGTERM then SIGKILL, and killed when
// our own process exits, even if a test failed before its afterAll ran.
//
//   const proc = startProcess('redis', 'redis-server', ['--port', String(port)]);
//   try {
//     await waitFor('redis PING', () => ping(port), { timeoutMs: 10_000, process: proc });
//   } finally {
//     await proc.stop();
//   }
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

const LOG_TAIL_LINES = 60;

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Settles when the process has exited. */
  readonly exited: Promise<ProcessExit>;
  /** The process has exited (on its own or stopped). */
  readonly hasExited: boolean;
  /** The last lines of its stdout and stderr, for failure messages. */
  logTail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. Safe to call twice. */
  stop(graceMs?: number): Promise<ProcessExit>;
}

export interface StartProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export function startProcess(name: string, command: string, args: readonly string[], options: StartProcessOptions = {}): ManagedProcess {
  killAllOnExit();
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const lines: string[] = [];
  let partial = '';
  const collect = (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    if (lines.length > LOG_TAIL_LINES) lines.splice(0, lines.length - LOG_TAIL_LINES);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  let hasExited = false;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('error', (err) => {
      lines.push(`[spawn failed: ${err.message}]`);
      hasExited = true;
      running.delete(child);
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      hasExited = true;
      running.delete(child);
      resolve({ code, signal });
    });
  });

  return {
    name,
    pid: child.pid ?? -1,
    child,
    exited,
    get hasExited() {
      return hasExited;
    },
    logTail: () => [...lines, partial].filter((line) => line !== '').join('\n'),
    async stop(graceMs = 5000) {
      if (hasExited) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export interface WaitForOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Fail at once, with its log, if this process exits while we wait. */
  process?: ManagedProcess;
}

/** Polls `check` until it returns something other than undefined. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, options: WaitForOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (options.process?.hasExited) {
      const exit = await options.process.exited;
      throw new Error(`${options.process.name} exited (code ${exit.code}, signal ${exit.signal}) while waiting for ${what}:\n${options.process.logTail()}`);
    }
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const last = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      const log = options.process ? `\n${options.process.name} log:\n${options.process.logTail()}` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}${last}${log}`);
    }
    await sleep(options.intervalMs ?? 100);
  }
}
