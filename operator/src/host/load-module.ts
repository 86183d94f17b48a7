// Reads and compiles the guest module, and checks up front that it fits this
// host (a `_start` and a `memory` export, only imports we provide), so that a
// bad module fails with a message naming what is wrong instead of a LinkError.
import { readFileSync } from 'node:fs';
import { HostError, HostErrorCode } from './host-errors.js';
import { HTTP_IMPORT_MODULE, HTTP_IMPORT_NAMES } from './http-imports.js';
import { wasiFunctionNames } from './load-wasi.js';
import { capModuleMemory, capPagesFor } from './memory-cap.js';

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
const WASI_IMPORT_MODULE = 'wasi_snapshot_preview1';

export interface LoadedModule {
  readonly module: WebAssembly.Module;
  readonly compileMillis: number;
}

function invalid(message: string, cause?: unknown): HostError {
  return new HostError(HostErrorCode.InvalidModule, message, { cause });
}

function readModuleFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw invalid(`cannot read module ${path} (${code ?? String(err)}); check the path and that the file is readable`, err);
  }
}

function checkImportsAndExports(module: WebAssembly.Module, path: string): void {
  const exports = WebAssembly.Module.exports(module);
  const missing: string[] = [];
  if (!exports.some((e) => e.name === '_start' && e.kind === 'function')) missing.push('a `_start` function');
  if (!exports.some((e) => e.name === 'memory' && e.kind === 'memory')) missing.push('a `memory`');
  if (missing.length > 0) {
    throw invalid(`${path} is not a WASI command module: it does not export ${missing.join(' or ')}; build it as a WASI command (AssemblyScript: --config @assemblyscript/wasi-shim/asconfig.json)`);
  }
  const wasiNames = wasiFunctionNames();
  const httpNames = new Set<string>(HTTP_IMPORT_NAMES);
  const unknown = WebAssembly.Module.imports(module).filter(
    (i) =>
      i.kind !== 'function' ||
      !((i.module === WASI_IMPORT_MODULE && wasiNames.has(i.name)) || (i.module === HTTP_IMPORT_MODULE && httpNames.has(i.name))),
  );
  if (unknown.length > 0) {
    const names = unknown.map((i) => `${i.module}.${i.name} (${i.kind})`).join(', ');
    throw invalid(`${path} imports what this host does not provide: ${names}; a guest may import only ${WASI_IMPORT_MODULE} functions and ${HTTP_IMPORT_MODULE}.{${HTTP_IMPORT_NAMES.join(',')}}`);
  }
}

/**
 * Synchronous on purpose: for the small modules guests are, a synchronous
 * compile and read cost less than the thread hand-offs of the async ones.
 */
export function loadModule(path: string, maxMemoryMb: number | undefined): LoadedModule {
  let bytes = readModuleFile(path);
  if (bytes.byteLength < 8 || WASM_MAGIC.some((b, i) => bytes[i] !== b)) {
    throw invalid(`${path} is not a WebAssembly module (no \\0asm header); pass the .wasm file, not its source`);
  }
  if (maxMemoryMb !== undefined) bytes = capModuleMemory(bytes, capPagesFor(maxMemoryMb));
  const started = performance.now();
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes);
  } catch (err) {
    throw invalid(`${path} does not compile: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  const compileMillis = performance.now() - started;
  checkImportsAndExports(module, path);
  return { module, compileMillis };
}
