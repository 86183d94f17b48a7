// The wasi-operator package this code runs from: the checkout (source under
// jest, dist/ otherwise) or /app in the image. The smoke test finds the
// guest it ships here; the development harness finds crds/, bin/ and the
// Dockerfile.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WasiOperatorError } from './errors.js';

export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'wasi-operator') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new WasiOperatorError('ERR_REPO_ROOT', 'cannot find the wasi-operator package (its package.json) above this module');
    dir = parent;
  }
}
