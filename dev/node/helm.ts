// The real helm (built from its Go module into the tool cache) with its
// cache, config and data kept in the cluster's state dir: installing into
// the local cluster never touches the user's helm repos or registry logins.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DevError } from '../dev-errors.js';

const run = promisify(execFile);

export interface HelmContext {
  helm: string;
  kubeconfig: string;
  /** Where helm keeps its cache/config/data for this cluster. */
  helmHome: string;
}

/** Runs helm with `--kubeconfig`; rejects with helm's own stderr and `hint`. */
export async function runHelm({ helm, kubeconfig, helmHome }: HelmContext, args: string[], hint: string): Promise<string> {
  mkdirSync(helmHome, { recursive: true });
  const env = {
    ...process.env,
    HELM_CACHE_HOME: join(helmHome, 'cache'),
    HELM_CONFIG_HOME: join(helmHome, 'config'),
    HELM_DATA_HOME: join(helmHome, 'data'),
  };
  try {
    return (await run(helm, [...args, '--kubeconfig', kubeconfig], { env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim() || String(err);
    throw new DevError('ERR_HELM', `helm ${args.slice(0, 2).join(' ')} failed: ${stderr}; ${hint}`, { cause: err });
  }
}
