// Runs a module under plain node:wasi in a fresh process (test/helpers/plain-wasi-run.mjs),
// the reference the conformance tests hold wasi-host to.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './wasi-host.js';

const RUNNER = join(REPO_ROOT, 'test', 'helpers', 'plain-wasi-run.mjs');

export interface PlainWasiRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** `dirs` as wasi-host's --dir takes them: HOST_DIR::GUEST_DIR. */
export async function runPlainWasi(module: string, dirs: readonly string[], args: readonly string[] = []): Promise<PlainWasiRun> {
  const argv = [RUNNER, module, ...dirs.flatMap((dir) => ['--dir', dir]), '--', ...args];
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, argv, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    return { exitCode: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw err;
    return { exitCode: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
