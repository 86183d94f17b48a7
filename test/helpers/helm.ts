// The real `helm` (built from its Go module into the tool cache, see
// dev/tools/pins.ts) for tests, with its cache, config and data
// dirs in a temp dir: a test never reads or writes the developer's repos,
// plugins or registry logins.
//
//   const helm = createHelm({ kubeconfigPath: cluster.kubeconfigPath });
//   try {
//     await helm.run(['install', 'wasi-operator', CHART_DIR, '-n', namespace]);
//   } finally {
//     helm.cleanup();
//   }
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isToolCurrent, toolPaths } from '../../dev/tools/go-build.js';
import { HELM } from '../../dev/tools/pins.js';

export const CHART_DIR = join(process.cwd(), 'charts', 'wasi-operator');

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Helm {
  /** Runs helm; rejects with its stderr when it exits non-zero. */
  run(args: string[]): Promise<string>;
  /** Runs helm and returns the exit code and output, whatever the code. */
  exec(args: string[]): Promise<HelmResult>;
  /** Removes the temp HELM_*_HOME dirs. */
  cleanup(): void;
}

export interface HelmOptions {
  /** Passed as --kubeconfig to every command (a global flag; lint and template ignore it). */
  kubeconfigPath?: string;
}

const HELM_TIMEOUT_MS = 120_000;

/** The cached helm binary; a first build takes minutes, so say how to make it instead of timing out. */
export function helmPath(): string {
  if (!isToolCurrent(HELM)) {
    throw new Error('helm is not built yet: run `npm run setup` or `node dev/bin/wasi-dev.mjs tools ensure helm` first');
  }
  return toolPaths(HELM).helm as string;
}

export function createHelm(options: HelmOptions = {}): Helm {
  const binary = helmPath();
  const home = mkdtempSync(join(tmpdir(), 'wasi-operator-helm-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
    // Never a developer's cluster: only the --kubeconfig given below.
    KUBECONFIG: join(home, 'no-kubeconfig'),
  };
  const clusterArgs = options.kubeconfigPath ? [`--kubeconfig=${options.kubeconfigPath}`] : [];
  const exec = (args: string[]): Promise<HelmResult> =>
    new Promise((resolve) => {
      // Async on purpose: tests run the operator in the same event loop.
      execFile(binary, [...args, ...clusterArgs], { env, timeout: HELM_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  return {
    exec,
    async run(args) {
      const result = await exec(args);
      if (result.code !== 0) throw new Error(`helm ${args.join(' ')} failed (exit ${result.code}):\n${result.stderr}${result.stdout}`);
      return result.stdout;
    },
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}
