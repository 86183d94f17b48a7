import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withBuildLock, writeWrapperSources } from '../../dev/tools/go-build.js';
import { packagePath, wrapperGoMod, wrapperModulePath, wrapperToolsGo } from '../../dev/tools/wrapper-module.js';
import { COREDNS, DAPRD, ETCD, goOutputName, KUBERNETES, RUNC, stampOf } from '../../dev/tools/pins.js';

const kubernetesGoMod = `module k8s.io/kubernetes

go 1.26.0

require (
	k8s.io/api v0.0.0
	github.com/spf13/cobra v1.10.2
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/sample-controller => ./staging/src/k8s.io/sample-controller
	github.com/foo/bar => github.com/fork/bar v1.2.3
)
`;

describe('wrapper go.mod', () => {
  test('points staging replaces at the published v0 module of the same release', () => {
    const out = wrapperGoMod(kubernetesGoMod, KUBERNETES);
    expect(out).toContain('\tk8s.io/api => k8s.io/api v0.37.2');
    expect(out).not.toContain('./staging');
  });

  test('drops replaces of modules that are never published', () => {
    expect(wrapperGoMod(kubernetesGoMod, KUBERNETES)).not.toContain('sample-controller');
  });

  test('keeps replaces that already point at published forks', () => {
    expect(wrapperGoMod(kubernetesGoMod, KUBERNETES)).toContain('github.com/foo/bar => github.com/fork/bar v1.2.3');
  });

  test('renames the module and requires the pinned upstream', () => {
    const out = wrapperGoMod(kubernetesGoMod, KUBERNETES);
    expect(out).toMatch(/^module wasioperator\.local\/build\/kubernetes$/m);
    expect(out).toMatch(/^require k8s\.io\/kubernetes v1\.37\.2$/m);
  });

  test('drops single-line replaces to forbidden local paths (etcd)', () => {
    const etcd = 'module go.etcd.io/etcd/server/v3\n\nreplace go.etcd.io/etcd => ./FORBIDDEN_DEPENDENCY\nreplace (\n\tgo.etcd.io/etcd/api/v3 => ../api\n)\n';
    const out = wrapperGoMod(etcd, ETCD);
    expect(out).not.toContain('FORBIDDEN_DEPENDENCY');
    expect(out).toContain('go.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 v3.6.16');
  });

  test('tools.go imports every main package', () => {
    expect(wrapperToolsGo(KUBERNETES)).toContain('_ "k8s.io/kubernetes/cmd/kube-scheduler"');
    expect(wrapperToolsGo(ETCD)).toContain('_ "go.etcd.io/etcd/server/v3"');
  });

  test('a changed pin changes the stamp, so the cache rebuilds', () => {
    expect(stampOf({ ...DAPRD, version: 'v9.9.9' })).not.toBe(stampOf(DAPRD));
  });
});

describe('a main package of our own in the wrapper module', () => {
  test("'./cmd/coredns' names the wrapper module's package, built into bin/coredns", () => {
    expect(wrapperModulePath(COREDNS)).toBe('wasioperator.local/build/coredns');
    expect(packagePath(COREDNS, './cmd/coredns')).toBe('wasioperator.local/build/coredns/cmd/coredns');
    expect(goOutputName(COREDNS, './cmd/coredns')).toBe('coredns');
    // Upstream packages still resolve against the upstream module.
    expect(packagePath(COREDNS, 'coremain')).toBe('github.com/coredns/coredns/coremain');
    expect(packagePath(RUNC, '.')).toBe('github.com/opencontainers/runc');
  });

  test('tools.go imports no wrapper package (the wrapper would import itself) and still requires the upstream in go.mod', () => {
    expect(wrapperToolsGo(COREDNS)).toBe('//go:build tools\n\npackage tools\n');
    const out = wrapperGoMod('module github.com/coredns/coredns\n\ngo 1.26.0\n', COREDNS);
    expect(out).toMatch(/^module wasioperator\.local\/build\/coredns$/m);
    expect(out).toMatch(/^require github\.com\/coredns\/coredns v1\.15\.0$/m);
  });

  test('its sources are written into the wrapper module, and only there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wrapper-'));
    try {
      writeWrapperSources(COREDNS, dir);
      expect(readFileSync(join(dir, 'cmd', 'coredns', 'main.go'), 'utf8')).toContain('coremain.Run()');
      for (const bad of ['../main.go', '/tmp/main.go', 'go.mod', 'x/../tools.go']) {
        expect(() => writeWrapperSources({ ...COREDNS, wrapperSources: { [bad]: 'package main\n' } }, dir)).toThrow(
          expect.objectContaining({ code: 'ERR_TOOL_PIN' }),
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the per-pin build lock', () => {
  let cache: string;
  const saved = process.env.XDG_CACHE_HOME;
  beforeEach(() => {
    cache = mkdtempSync(join(tmpdir(), 'tools-lock-'));
    process.env.XDG_CACHE_HOME = cache;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
    rmSync(cache, { recursive: true, force: true });
  });

  test('two builds of the same pin run one after the other (they share the wrapper module and out/)', async () => {
    const events: string[] = [];
    const lines: string[] = [];
    const build = (id: string) => async () => {
      events.push(`start ${id}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      events.push(`end ${id}`);
    };
    await Promise.all([withBuildLock(RUNC, (l) => lines.push(l), build('a')), withBuildLock(RUNC, (l) => lines.push(l), build('b'))]);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b']);
    expect(lines).toEqual([`runc: waiting for the build in process ${process.pid} to finish`]);
    expect(existsSync(join(cache, 'wasi-operator', 'build', 'runc.lock'))).toBe(false);
  });

  test('a lock left by a build that was killed is taken over', async () => {
    const dead = spawnSync('true').pid;
    mkdirSync(join(cache, 'wasi-operator', 'build'), { recursive: true });
    writeFileSync(join(cache, 'wasi-operator', 'build', 'runc.lock'), String(dead));
    const lines: string[] = [];
    await expect(withBuildLock(RUNC, (l) => lines.push(l), async () => 'built')).resolves.toBe('built');
    expect(lines).toEqual([]);
  });

  test('a failed build releases the lock', async () => {
    await expect(withBuildLock(RUNC, () => undefined, async () => Promise.reject(new Error('go build failed')))).rejects.toThrow('go build failed');
    expect(existsSync(join(cache, 'wasi-operator', 'build', 'runc.lock'))).toBe(false);
  });
});
