// Control-plane components run as detached process-group leaders, so they
// outlive the CLI that started them and `down` can signal each whole group.
// Liveness comes from /proc: a recorded pid only counts as ours while its
// command line still names the binary we started (pids get reused).
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DevError } from '../dev-errors.js';

export interface SpawnedProcess {
  pid: number;
  /** Set once the process exits while this CLI still runs (it is our child then). */
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

export function spawnDetached(binary: string, args: string[], logPath: string, env?: NodeJS.ProcessEnv): SpawnedProcess {
  if (!existsSync(binary)) throw new DevError('ERR_CLUSTER_BINARY_MISSING', `${binary} does not exist; run \`wasi-dev tools ensure etcd kubernetes\``);
  const log = openSync(logPath, 'a');
  try {
    writeSync(log, `\n=== ${new Date().toISOString()} ${binary} ${args.join(' ')}\n`);
    const child = spawn(binary, args, { detached: true, stdio: ['ignore', log, log], env: { ...process.env, ...env } });
    if (child.pid === undefined) throw new DevError('ERR_CLUSTER_SPAWN', `could not start ${binary}`);
    const spawned: SpawnedProcess = { pid: child.pid };
    child.on('exit', (code, signal) => (spawned.exit = { code, signal }));
    child.on('error', () => undefined);
    // Not keeping the CLI's event loop alive is what lets `cluster up` return.
    child.unref();
    return spawned;
  } finally {
    closeSync(log);
  }
}

/** `flags` bit of /proc/PID/stat (include/linux/sched.h). */
const PF_KTHREAD = 0x00200000;

function commandLine(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3, after the parenthesised name; a zombie has exited already.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    // A kernel thread (a reused pid) also has an empty cmdline; it is not ours.
    if ((Number(fields[6]) & PF_KTHREAD) !== 0) return undefined;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((arg) => arg !== '');
  } catch {
    return undefined;
  }
}

/** True while `pid` runs and is still the binary we started (not a reused pid). */
export function isRunning(pid: number, binary: string): boolean {
  const argv = commandLine(pid);
  if (argv === undefined) return false;
  // A process that is tearing itself down has released its memory, so its
  // cmdline reads empty before it turns into a zombie: it still runs.
  if (argv.length === 0) return true;
  return argv[0] === binary || basename(argv[0] ?? '') === basename(binary);
}

export interface ProcessRef {
  pid: number;
  /** argv[0] as started: the full path of the binary. */
  binary: string;
}

function ourProcesses(isOurs: (pid: number, argv: string[]) => boolean): ProcessRef[] {
  const found: ProcessRef[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const argv = commandLine(pid);
    if (argv && isOurs(pid, argv)) found.push({ pid, binary: argv[0] ?? '' });
  }
  return found;
}

/**
 * Processes whose arguments mention `stateDir` and that `isOurs` recognises
 * by their argv: leftovers of a run whose state file was lost or never written.
 */
export function findProcessesUsing(stateDir: string, isOurs: (argv: string[]) => boolean): ProcessRef[] {
  return ourProcesses((_pid, argv) => isOurs(argv) && argv.slice(1).some((arg) => arg.includes(`${stateDir}/`)));
}

function workingDirOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/**
 * Processes working in `dir` or a directory under it that `isOurs` recognises
 * by their argv: the node agent runs each Pod's processes in the Pod's
 * directory, and some of them (the operator) name nothing under the state dir
 * in their arguments.
 */
export function findProcessesWorkingIn(dir: string, isOurs: (argv: string[]) => boolean): ProcessRef[] {
  return ourProcesses((pid, argv) => {
    if (!isOurs(argv)) return false;
    const cwd = workingDirOf(pid);
    return cwd !== undefined && (cwd === dir || cwd.startsWith(`${dir}/`));
  });
}

function signal(pid: number, sig: NodeJS.Signals): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, sig);
    } catch {
      // Already gone, or not a group leader: the other target covers it.
    }
  }
}

async function waitUntilGone(pids: ProcessRef[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (pids.every(({ pid, binary }) => !isRunning(pid, binary))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
}

/** SIGTERM each process group, SIGKILL whatever is left after `graceMs`. */
export async function stopProcesses(targets: ProcessRef[], graceMs = 10_000): Promise<void> {
  const running = targets.filter(({ pid, binary }) => isRunning(pid, binary));
  if (running.length === 0) return;
  for (const { pid } of running) signal(pid, 'SIGTERM');
  if (await waitUntilGone(running, graceMs)) return;
  for (const { pid, binary } of running) if (isRunning(pid, binary)) signal(pid, 'SIGKILL');
  if (!(await waitUntilGone(running, 5_000))) {
    const left = running.filter(({ pid, binary }) => isRunning(pid, binary)).map(({ pid }) => pid);
    throw new DevError('ERR_CLUSTER_STOP', `processes ${left.join(', ')} survived SIGKILL; check them with ps -p ${left.join(',')}`);
  }
}
