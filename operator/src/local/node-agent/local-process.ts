// One container (or sidecar) as a local process in its own process group, its
// stdout and stderr in a log file, its exit as a container exit code.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { WasiOperatorError } from '../../util/errors.js';

export interface LocalProcess {
  pid: number;
  /** Resolves with the exit code a container runtime reports: the code, or 128 + signal number. */
  exitCode: Promise<number>;
  hasExited(): boolean;
  /** SIGTERM to the process group, SIGKILL after `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

export interface LocalProcessOptions {
  env: Record<string, string>;
  cwd: string;
  logPath: string;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

export function startLocalProcess(command: string, args: string[], options: LocalProcessOptions): LocalProcess {
  const log = openSync(options.logPath, 'a');
  let child;
  try {
    child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', log, log], detached: true });
  } finally {
    closeSync(log);
  }
  let exited = false;
  const exitCode = new Promise<number>((resolve) => {
    child.once('error', () => {
      exited = true;
      resolve(127);
    });
    child.once('exit', (code, signal) => {
      exited = true;
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
  if (child.pid === undefined) throw new WasiOperatorError('ERR_NODE_AGENT_START', `cannot start ${command}`);
  const pid = child.pid;
  return {
    pid,
    exitCode,
    hasExited: () => exited,
    async stop(graceMs) {
      if (exited) return;
      signalGroup(pid, 'SIGTERM');
      // The grace timer goes as soon as the process does: a pending one would keep this process alive for the whole grace.
      const graceOver = new AbortController();
      const gone = await Promise.race([
        exitCode.then(() => true),
        sleep(graceMs, undefined, { signal: graceOver.signal }).then(
          () => false,
          () => true,
        ),
      ]);
      graceOver.abort();
      if (!gone) {
        signalGroup(pid, 'SIGKILL');
        await exitCode;
      }
    },
  };
}
