// What stopping the node's daemons does not stop on its own: the containers
// (runc keeps them running without the kubelet or containerd), their shims,
// the mounts (overlay root filesystems, volumes, network namespaces) and the
// cgroups the kubelet made. Called by `down` and by `up` before a new start.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stopProcesses, type ProcessRef } from '../cluster/processes.js';
import type { NodePaths } from './node-layout.js';

const run = promisify(execFile);

/** Containers runc knows under the node's runc root (one directory per containerd namespace). */
async function killContainers(runcBinary: string | undefined, paths: NodePaths): Promise<void> {
  if (!runcBinary || !existsSync(runcBinary) || !existsSync(paths.runcRoot)) return;
  for (const namespace of readdirSync(paths.runcRoot)) {
    const root = join(paths.runcRoot, namespace);
    let ids: string[];
    try {
      ids = (await run(runcBinary, ['--root', root, 'list', '-q'], { encoding: 'utf8' })).stdout.split('\n').filter(Boolean);
    } catch {
      continue;
    }
    await Promise.all(ids.map((id) => run(runcBinary, ['--root', root, 'delete', '--force', id]).catch(() => undefined)));
  }
}

function processesMatching(test: (argv: string[]) => boolean): ProcessRef[] {
  const found: ProcessRef[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (argv.length > 0 && test(argv)) found.push({ pid, binary: argv[0]! });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** containerd's shims outlive containerd by design; they name its socket in their arguments. */
export function shimProcesses(paths: NodePaths): ProcessRef[] {
  return processesMatching((argv) => argv[0]!.endsWith('containerd-shim-runc-v2') && argv.some((arg) => arg.startsWith(paths.containerdSocket)));
}

/** Mount points at or under `dir`, deepest first. */
export function mountsUnder(dir: string, mountinfo: string = readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const points = mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => point !== undefined)
    // mountinfo escapes spaces and the like as octal.
    .map((point) => point.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

async function unmountAll(dir: string): Promise<void> {
  // A mount can hide another at the same point: repeat until none is left.
  for (let round = 0; round < 5; round++) {
    const points = mountsUnder(dir);
    if (points.length === 0) return;
    for (const point of points) await run('umount', ['-l', point]).catch(() => undefined);
  }
}

/** The kubelet's Pod cgroups (`kubepods` in every cgroup v1 hierarchy), leaves first. */
function removeKubeletCgroups(): void {
  const base = '/sys/fs/cgroup';
  if (!existsSync(base)) return;
  const removeTree = (dir: string): void => {
    let entries: string[] = [];
    try {
      entries = readdirSync(dir).filter((name) => statSync(join(dir, name)).isDirectory());
    } catch {
      return;
    }
    for (const child of entries) removeTree(join(dir, child));
    try {
      rmdirSync(dir);
    } catch {
      // still has a process, or not ours to remove
    }
  };
  for (const hierarchy of readdirSync(base)) {
    for (const name of ['kubepods', 'kubepods.slice']) {
      const dir = join(base, hierarchy, name);
      if (existsSync(dir)) removeTree(dir);
    }
  }
}

/** The kubelet links every container's log from /var/log/containers (a fixed path); the links into this node's logs go. */
function removeContainerLogLinks(paths: NodePaths): void {
  const dir = '/var/log/containers';
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    try {
      if (readlinkSync(join(dir, name)).startsWith(`${paths.podLogsDir}/`)) rmSync(join(dir, name), { force: true });
    } catch {
      // not a link, or gone meanwhile
    }
  }
}

/**
 * Kills every container of the node, its shims, unmounts everything under
 * the node's directory and removes the kubelet's cgroups. Safe to call when
 * nothing of it exists.
 */
export async function tearDownNodeWorkloads(paths: NodePaths, runcBinary: string | undefined): Promise<void> {
  await killContainers(runcBinary, paths);
  await stopProcesses(shimProcesses(paths), 2_000);
  await unmountAll(paths.dir);
  removeKubeletCgroups();
  removeContainerLogLinks(paths);
}
