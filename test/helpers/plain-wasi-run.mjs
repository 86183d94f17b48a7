// The reference the conformance tests compare wasi-host with: the same module
// run by plain node:wasi, in a process of its own, with the same preopens and
// arguments and nothing of ours in between. The `wasi_experimental_http`
// imports, which plain node:wasi does not have, answer 0 (file-system guests
// do not call them).
//
//   node test/helpers/plain-wasi-run.mjs FILE.wasm [--dir HOST_DIR::GUEST_DIR]... [-- ARG...]
//   exit: the guest's exit code
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const [file, ...rest] = process.argv.slice(2);
const preopens = {};
let i = 0;
for (; i < rest.length && rest[i] !== '--'; i += 2) {
  if (rest[i] !== '--dir') throw new Error(`unknown flag ${rest[i]}; only --dir HOST_DIR::GUEST_DIR`);
  const [hostPath, guestPath] = rest[i + 1].split('::');
  preopens[guestPath ?? hostPath] = hostPath;
}
const args = [basename(file), ...rest.slice(i + 1)];

const { WASI } = process.getBuiltinModule('node:wasi');
const wasi = new WASI({ version: 'preview1', args, env: {}, preopens, returnOnExit: true });
const module = new WebAssembly.Module(readFileSync(file));
const imports = { wasi_snapshot_preview1: wasi.wasiImport };
for (const { module: name, name: field } of WebAssembly.Module.imports(module)) {
  if (name !== 'wasi_snapshot_preview1') (imports[name] ??= {})[field] = () => 0;
}
process.exitCode = wasi.start(new WebAssembly.Instance(module, imports));
