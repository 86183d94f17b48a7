// A child process we own: its output goes to a log file (so a failure can
// quote it), and stop() ends it for sure (SIGTERM, then SIGKILL).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { WasiOperatorError } from '../../util/errors.js';

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logPath: string;
  /** Last lines of the process's log, for error messages. */
  logTail(lines?: number): string;
  exited(): boolean;
  /** Set when the command could not be started at all (e.g. ENOENT). */
  spawnError(): Error | undefined;
  stop(graceMillis?: number): Promise<void>;
}

export function startManagedProcess(name: string, command: string, args: string[], logPath: string, env?: NodeJS.ProcessEnv): ManagedProcess {
  const logFd = openSync(logPath, 'a');
  const child = spawn(command, args, { stdio: ['ignore', logFd, logFd], env: env ?? process.env });
  closeSync(logFd);
  let hasExited = false;
  let startError: Error | undefined;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((hasExited = true), resolve())));
  child.once('error', (err) => {
    hasExited = true;
    startError = err;
  });

  return {
    name,
    child,
    logPath,
    logTail(lines = 20) {
      try {
        return readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
    exited: () => hasExited,
    spawnError: () => startError,
    async stop(graceMillis = 5000) {
      if (hasExited || child.exitCode !== null || child.pid === undefined) return;
      child.kill('SIGTERM');
      const timedOut = await Promise.race([exit.then(() => false), sleep(graceMillis).then(() => true)]);
      if (timedOut) {
        child.kill('SIGKILL');
        await exit;
      }
    },
  };
}

/** Polls `probe` until it resolves true; fails with the process's log tail if it exits or time runs out. */
export async function waitUntilReady(proc: ManagedProcess, probe: () => Promise<boolean>, timeoutMillis: number, code: string): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (Date.now() < deadline) {
    const spawnError = proc.spawnError();
    if (spawnError) {
      throw new WasiOperatorError(code, `cannot start ${proc.name}: ${spawnError.message}`, { cause: spawnError });
    }
    if (proc.exited()) {
      throw new WasiOperatorError(code, `${proc.name} exited during start-up; its log (${proc.logPath}) ends with:\n${proc.logTail()}`);
    }
    if (await probe().catch(() => false)) return;
    await sleep(100);
  }
  throw new WasiOperatorError(code, `${proc.name} was not ready after ${timeoutMillis} ms; its log (${proc.logPath}) ends with:\n${proc.logTail()}`);
}
