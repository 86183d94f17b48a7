// The wasi-operator checkout this code runs from: source under jest,
// dist/ otherwise. Local tooling finds crds/ and bin/ from here.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WasiOperatorError } from '../util/errors.js';

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'wasi-operator') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new WasiOperatorError('ERR_REPO_ROOT', 'cannot find the wasi-operator checkout (its package.json) above this module');
    dir = parent;
  }
}
