// Runs the real `wasi-host` binary (bin/wasi-host.mjs on the built dist/) as
// a child process, the way a Pod runs it, and collects what a test can
// observe: exit code, stdout, stderr, the JSON result, and the peak RSS.
//
//   const run = await runWasiHost(['run', guestModule('exit-code'), '--', '7']);
//   expect(run.exitCode).toBe(7);
//   expect(run.result?.reason).toBe('ExitCode');
//
// Needs `npx tsc -p tsconfig.build.json` and `node scripts/build-guests.mjs`
// first (`npm test` does both).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HOST_BIN = join(REPO_ROOT, 'bin', 'wasi-host.mjs');
const HOST_DIST = join(REPO_ROOT, 'dist', 'operator', 'src', 'cli', 'wasi-host.js');
const STREAM_TAIL_BYTES = 64 * 1024;

/** The JSON the host writes to its result file. */
export interface HostResultJson {
  exitCode: number;
  passed: boolean;
  reason: string | null;
  /** With reason StateStoreUnavailable: the Dapr state API's last failure. */
  daprError?: { status: number; errorCode: string; message: string; store: string };
  output: string;
  compileMillis: number;
  instantiateMillis: number;
  runMillis: number;
}

export interface WasiHostRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** All of stdout, or its last 64 KiB when `keepAllStdout` is false. */
  stdout: string;
  stdoutBytes: number;
  stderr: string;
  /** Parsed result file, undefined if the host wrote none. */
  result: HostResultJson | undefined;
  /** Raw result file text (to check its size). */
  resultText: string | undefined;
  /** Highest VmHWM seen while polling /proc (MiB); a lower bound of the true peak. */
  peakRssMib: number;
}

export interface RunWasiHostOptions {
  /** The host's own environment on top of PATH and HOME (nothing else is inherited). */
  env?: Record<string, string>;
  /** Kill the host and fail after this long (default 60 s). */
  killAfterMs?: number;
  /** Keep only the tail of stdout and count the bytes (for floods). Default true. */
  keepAllStdout?: boolean;
  /** Add --result-file pointing at a temp file (default true). */
  resultFile?: boolean;
}

/** Path of a guest built by scripts/build-guests.mjs. */
export function guestModule(name: string): string {
  const path = join(REPO_ROOT, 'guest', 'build', `${name}.wasm`);
  if (!existsSync(path)) throw new Error(`guest ${path} is missing; build the guests with: node scripts/build-guests.mjs`);
  return path;
}

function peakRssKib(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0; // already gone
  }
}

export async function runWasiHost(args: readonly string[], options: RunWasiHostOptions = {}): Promise<WasiHostRun> {
  if (!existsSync(HOST_DIST)) throw new Error(`${HOST_DIST} is missing; build first: npx tsc -p tsconfig.build.json`);
  const dir = mkdtempSync(join(tmpdir(), 'wasi-host-run-'));
  const resultPath = join(dir, 'result.json');
  const [command, ...rest] = args;
  const argv = options.resultFile === false || command !== 'run' ? [...args] : [command, '--result-file', resultPath, ...rest];
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...options.env };
  const child = spawn(process.execPath, [HOST_BIN, ...argv], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });

  const keepAll = options.keepAllStdout ?? true;
  let stdoutChunks: Buffer[] = [];
  let stdoutKept = 0;
  let stdoutBytes = 0;
  const stderrChunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    stdoutBytes += chunk.byteLength;
    stdoutChunks.push(chunk);
    stdoutKept += chunk.byteLength;
    if (!keepAll && stdoutKept > 2 * STREAM_TAIL_BYTES) {
      const tail = Buffer.concat(stdoutChunks).subarray(-STREAM_TAIL_BYTES);
      stdoutChunks = [tail];
      stdoutKept = tail.byteLength;
    }
  });
  child.stderr.on('data', (chunk: Buffer) => stderrChunks.push(chunk));

  let peakKib = 0;
  const poll = setInterval(() => {
    if (child.pid !== undefined) peakKib = Math.max(peakKib, peakRssKib(child.pid));
  }, 20);
  let killed = false;
  const killer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, options.killAfterMs ?? 60_000);

  try {
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', reject);
      // 'close' waits for stdio to drain, so stdout is complete.
      child.once('close', (code, sig) => resolve([code, sig]));
    });
    const stderr = Buffer.concat(stderrChunks).toString('utf8');
    if (killed) throw new Error(`wasi-host ${argv.join(' ')} did not finish within ${options.killAfterMs ?? 60_000} ms; stderr:\n${stderr}`);
    const resultText = existsSync(resultPath) ? readFileSync(resultPath, 'utf8') : undefined;
    return {
      exitCode,
      signal,
      stdout: Buffer.concat(stdoutChunks).toString('utf8'),
      stdoutBytes,
      stderr,
      result: resultText === undefined ? undefined : (JSON.parse(resultText) as HostResultJson),
      resultText,
      peakRssMib: peakKib / 1024,
    };
  } finally {
    clearInterval(poll);
    clearTimeout(killer);
    if (!child.killed && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The `key:value` facts a test guest printed, in order (http-probe, echo-env-args). */
export function factsOf(stdout: string): Array<[string, string]> {
  return stdout
    .split('\n')
    .filter((line) => line.includes(':'))
    .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]);
}

/** The value of the first fact named `key`, or undefined. */
export function fact(stdout: string, key: string): string | undefined {
  return factsOf(stdout).find(([name]) => name === key)?.[1];
}
