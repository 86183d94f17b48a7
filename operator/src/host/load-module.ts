// Reads and compiles the guest module, and checks up front that it fits this
// host (an entry point and a `memory` export, only imports we provide), so
// that a bad module fails with a message naming what is wrong instead of a
// LinkError. The entry point is `_start`, the start section's function
// (moved to `_start`, see start-section.ts), or the export --invoke names.
import { readFileSync } from 'node:fs';
import { HostError, HostErrorCode } from './host-errors.js';
import { HTTP_IMPORT_MODULE, HTTP_IMPORT_NAMES } from './http-imports.js';
import { wasiFunctionNames } from './load-wasi.js';
import { capModuleMemory, capPagesFor } from './memory-cap.js';
import { exportStartFunction, START_EXPORT } from './start-section.js';

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
const WASI_IMPORT_MODULE = 'wasi_snapshot_preview1';

export interface LoadedModule {
  readonly module: WebAssembly.Module;
  readonly compileMillis: number;
  /** The exported function the host calls: `_start`, or the --invoke name. */
  readonly entry: string;
  /** The entry was the module's start section. */
  readonly fromStartSection: boolean;
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

function exportedFunctions(module: WebAssembly.Module): string[] {
  return WebAssembly.Module.exports(module)
    .filter((e) => e.kind === 'function')
    .map((e) => e.name);
}

function checkEntry(module: WebAssembly.Module, path: string, entry: string, invoked: boolean): void {
  const functions = exportedFunctions(module);
  if (functions.includes(entry)) return;
  const listed = functions.length > 0 ? `its exported functions: ${functions.join(', ')}` : 'it exports no functions';
  if (invoked) throw invalid(`${path} exports no function "${entry}" for --invoke; ${listed}`);
  throw invalid(
    `${path} has no entry point: no \`_start\` export and no start section; ${listed}. ` +
      'Run one of them with --invoke NAME, or build the guest as a WASI command (AssemblyScript: --config @assemblyscript/wasi-shim/asconfig.json)',
  );
}

function checkImportsAndExports(module: WebAssembly.Module, path: string): void {
  const exports = WebAssembly.Module.exports(module);
  if (!exports.some((e) => e.name === 'memory' && e.kind === 'memory')) {
    throw invalid(`${path} is not a WASI module this host can run: it does not export a \`memory\`; build it as a WASI command (AssemblyScript: --config @assemblyscript/wasi-shim/asconfig.json)`);
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
export function loadModule(path: string, maxMemoryMb: number | undefined, invoke?: string): LoadedModule {
  let bytes = readModuleFile(path);
  if (bytes.byteLength < 8 || WASM_MAGIC.some((b, i) => bytes[i] !== b)) {
    throw invalid(`${path} is not a WebAssembly module (no \\0asm header); pass the .wasm file, not its source`);
  }
  if (maxMemoryMb !== undefined) bytes = capModuleMemory(bytes, capPagesFor(maxMemoryMb));
  const started = performance.now();
  let module = compile(bytes, path);
  let fromStartSection = false;
  if (invoke === undefined && !exportedFunctions(module).includes(START_EXPORT)) {
    const moved = exportStartFunction(bytes);
    if (moved) {
      module = compile(moved, path);
      fromStartSection = true;
    }
  }
  const compileMillis = performance.now() - started;
  checkImportsAndExports(module, path);
  const entry = invoke ?? START_EXPORT;
  checkEntry(module, path, entry, invoke !== undefined);
  return { module, compileMillis, entry, fromStartSection };
}

function compile(bytes: Uint8Array, path: string): WebAssembly.Module {
  try {
    return new WebAssembly.Module(bytes);
  } catch (err) {
    throw invalid(`${path} does not compile: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}
