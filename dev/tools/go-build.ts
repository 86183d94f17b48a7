// Builds pinned Go tools into the cache, with visible progress on the first
// build and a stamp check that makes every later call instant.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { DevError } from '../dev-errors.js';
import { binDir, cacheRoot } from './cache-dir.js';
import { binaryRelativePaths, binaryNames, goOutputName, stampOf, type GoToolPin } from './pins.js';
import { packagePath, wrapperGoMod, wrapperToolsGo } from './wrapper-module.js';

const PROGRESS_INTERVAL_MS = 10_000;
const LOCK_POLL_MS = 2_000;

export type ProgressReporter = (line: string) => void;

const stderrProgress: ProgressReporter = (line) => process.stderr.write(`[tools] ${line}\n`);

function stampPath(pin: GoToolPin): string {
  return join(binDir(), `.${pin.name}.stamp`);
}

/** Binary name → absolute path. */
export function toolPaths(pin: GoToolPin, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const relative = binaryRelativePaths(pin);
  return Object.fromEntries(binaryNames(pin).map((bin, i) => [bin, join(binDir(env), relative[i] ?? bin)]));
}

/** The directory holding the pin's binaries: for a pin with a `binSubdir`, only its binaries (containerd's CNI bin_dir). */
export function toolDir(pin: GoToolPin, env: NodeJS.ProcessEnv = process.env): string {
  return join(binDir(env), pin.binSubdir ?? '');
}

export function isToolCurrent(pin: GoToolPin): boolean {
  const stamp = stampPath(pin);
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== stampOf(pin)) return false;
  return binaryRelativePaths(pin).every((path) => existsSync(join(binDir(), path)));
}

export function findGo(): string {
  const onPath = spawnSync('sh', ['-c', 'command -v go'], { encoding: 'utf8' });
  if (onPath.status === 0 && onPath.stdout.trim() !== '') return onPath.stdout.trim();
  if (existsSync('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  throw new DevError(
    'ERR_GO_NOT_FOUND',
    'Go is needed to build the node, control-plane and Dapr binaries from their modules; install Go >= 1.26 at /usr/local/go or put `go` on PATH',
  );
}

function runGo(go: string, args: string[], cwd: string, onLine?: (line: string) => void, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(go, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GOFLAGS: '', ...env } });
    let stdout = '';
    const tail: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    createInterface({ input: child.stderr }).on('line', (line) => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      onLine?.(line);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new DevError('ERR_GO_BUILD', `go ${args.join(' ')} failed (exit ${code}):\n${tail.join('\n')}`));
    });
  });
}

async function upstreamGoMod(go: string, pin: GoToolPin, cwd: string): Promise<string> {
  const json = await runGo(go, ['mod', 'download', '-json', `${pin.module}@${pin.version}`], cwd);
  const info = JSON.parse(json) as { GoMod?: string; Error?: string };
  if (!info.GoMod) throw new DevError('ERR_GO_BUILD', `cannot download ${pin.module}@${pin.version}: ${info.Error ?? 'no go.mod'}`);
  return readFileSync(info.GoMod, 'utf8');
}

/** Writes the pin's own sources into the wrapper module, refusing paths that would leave it. */
export function writeWrapperSources(pin: GoToolPin, workDir: string): void {
  for (const [relative, content] of Object.entries(pin.wrapperSources ?? {})) {
    const clean = normalize(relative);
    if (isAbsolute(clean) || clean === '..' || clean.startsWith('../') || ['go.mod', 'go.sum', 'tools.go'].includes(clean)) {
      throw new DevError('ERR_TOOL_PIN', `${pin.name}: wrapper source ${relative} must be a relative path inside the wrapper module other than go.mod, go.sum and tools.go`);
    }
    mkdirSync(dirname(join(workDir, clean)), { recursive: true });
    writeFileSync(join(workDir, clean), content);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `build` holding the pin's build lock. Two processes ensuring the same
 * pin (`tools ensure --all` beside a `cluster up`) share one wrapper module and
 * out/ directory; unlocked, one moved the other's binaries away mid-build. The
 * lock file holds the builder's pid, so a lock left by a killed build is taken over.
 */
export async function withBuildLock<T>(pin: GoToolPin, progress: ProgressReporter, build: () => Promise<T>): Promise<T> {
  const lock = join(cacheRoot(), 'build', `${pin.name}.lock`);
  mkdirSync(dirname(lock), { recursive: true });
  let told = false;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let content: string;
    try {
      content = readFileSync(lock, 'utf8').trim();
    } catch {
      continue; // released between our two calls
    }
    const holder = Number(content);
    // An empty file is a lock being written this instant, not a stale one.
    if (content !== '' && !(Number.isInteger(holder) && holder > 0 && isAlive(holder))) {
      rmSync(lock, { force: true });
      continue;
    }
    if (!told) progress(`${pin.name}: waiting for the build in process ${content || '?'} to finish`);
    told = true;
    await sleep(LOCK_POLL_MS);
  }
  try {
    return await build();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Returns the paths of the pin's binaries, building them first if the cache is stale. */
export async function ensureTool(pin: GoToolPin, progress: ProgressReporter = stderrProgress): Promise<Record<string, string>> {
  if (isToolCurrent(pin)) return toolPaths(pin);
  // Another process may have built it while we waited for the lock.
  return withBuildLock(pin, progress, () => (isToolCurrent(pin) ? Promise.resolve(toolPaths(pin)) : buildTool(pin, progress)));
}

async function buildTool(pin: GoToolPin, progress: ProgressReporter): Promise<Record<string, string>> {
  const go = findGo();
  const workDir = join(cacheRoot(), 'build', `${pin.name}-${pin.version}`);
  const outDir = join(workDir, 'out');
  mkdirSync(outDir, { recursive: true });
  const targetDir = toolDir(pin);
  mkdirSync(targetDir, { recursive: true });

  progress(`building ${pin.name} ${pin.version} from ${pin.module} (first build takes ${pin.firstBuildEstimate} on 2 cores; cached afterwards)`);
  writeFileSync(join(workDir, 'go.mod'), wrapperGoMod(await upstreamGoMod(go, pin, workDir), pin));
  writeFileSync(join(workDir, 'tools.go'), wrapperToolsGo(pin));
  writeWrapperSources(pin, workDir);

  const started = Date.now();
  let compiled = 0;
  let downloaded = 0;
  const timer = setInterval(() => {
    const seconds = Math.round((Date.now() - started) / 1000);
    progress(`${pin.name}: ${downloaded} modules downloaded, ${compiled} packages compiled (${seconds}s)`);
  }, PROGRESS_INTERVAL_MS);
  try {
    const args = ['build', '-mod=mod', '-v', '-o', `${outDir}/`];
    if (pin.tags?.length) args.push('-tags', pin.tags.join(','));
    if (pin.ldflags?.length) args.push('-ldflags', pin.ldflags.join(' '));
    args.push(...pin.packages.map((pkg) => packagePath(pin, pkg)));
    await runGo(
      go,
      args,
      workDir,
      (line) => {
        if (line.startsWith('go: downloading')) downloaded++;
        else if (!line.startsWith('go:') && !line.includes(' ')) compiled++;
      },
      pin.env,
    );
  } finally {
    clearInterval(timer);
  }

  const names = binaryNames(pin);
  pin.packages.forEach((pkg, i) => renameSync(join(outDir, goOutputName(pin, pkg)), join(targetDir, names[i] ?? pin.name)));
  writeFileSync(stampPath(pin), stampOf(pin));
  progress(`built ${pin.name} ${pin.version} in ${Math.round((Date.now() - started) / 1000)}s → ${targetDir}`);
  return toolPaths(pin);
}
