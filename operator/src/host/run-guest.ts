// Runs one guest to its end on the current thread: node:wasi preview1 for the
// system interface, our HTTP imports on JSPI, its entry point (`_start`, or
// the --invoke export) through
// `WebAssembly.promising` so the event loop keeps running while a request
// awaits. Used directly by the main thread, and inside the timeout worker.
import { parseAllowList } from './allow-list.js';
import type { LookupFunction } from './destination-guard.js';
import { GuestMemory } from './guest-memory.js';
import type { GuestEnd, GuestOutcome, GuestRunSpec } from './guest-outcome.js';
import { hostLog } from './host-log.js';
import { HttpErrorCode } from './http-error-codes.js';
import { createHttpImports, HTTP_IMPORT_MODULE } from './http-imports.js';
import { loadWasi } from './load-wasi.js';
import { OutputCapture } from './output-capture.js';
import { guardPreopens } from './preopen-guard.js';
import { wasiPreopens } from './preopens.js';
import { DaprErrorRecord } from './state-store-failure.js';
import { passStdioThrough } from './stdio-passthrough.js';
import { guardVectorCounts } from './vector-guard.js';

/**
 * Codes guests meet in normal control flow (a buffer to enlarge, an optional
 * header that is absent): logging them would bury the failures that matter,
 * such as a denied destination (7) or a request error (11) and its reason.
 */
const QUIET_ABI_CODES = new Set<number>([HttpErrorCode.BufferTooSmall, HttpErrorCode.HeaderNotFound]);

/**
 * Thrown by our proc_exit and caught below. node:wasi's own returnOnExit
 * sentinel is private to `wasi.start()`, which we cannot use with JSPI.
 */
class GuestExit {
  constructor(readonly code: number) {}
}

function endOf(err: unknown): GuestEnd {
  if (err instanceof GuestExit) return { kind: 'exit', code: err.code };
  // RuntimeError (unreachable, out-of-bounds, ...), RangeError (stack
  // exhausted) and JSPI's SuspendError all mean the guest itself failed.
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { kind: 'trap', message };
}

const PATH_DECODER = new TextDecoder();

/** WASI errno 0: success. */
const WASI_ESUCCESS = 0;

/**
 * node:wasi's functions are native; bound directly as imports, V8 compiles a
 * wrapper for each one at every instantiation (about 0.5 ms for a typical
 * guest). Behind a plain JS function V8 uses its generic JS call path instead.
 * `...args` matters: node:wasi rejects a call with the wrong argument count.
 * A wasm i32 reaches JS signed, while every i32 of WASI preview1 is a u32
 * (fds, pointers, lengths, flags; the signed 64-bit ones arrive as BigInt):
 * each is passed on unsigned, so an argument of 2^31 or more gets the errno
 * plain node:wasi gives it (a bad fd is BADF, not INVAL).
 */
export function wrapNativeImports(imports: WebAssembly.ModuleImports): WebAssembly.ModuleImports {
  const wrapped: WebAssembly.ModuleImports = {};
  for (const [name, value] of Object.entries(imports)) {
    if (typeof value !== 'function') {
      wrapped[name] = value;
      continue;
    }
    const native = value as (...a: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]) => {
      for (let i = 0; i < args.length; i++) if (typeof args[i] === 'number') args[i] = (args[i] as number) >>> 0;
      return native(...args);
    };
  }
  return wrapped;
}

export interface InstantiatedGuest {
  readonly wasi: InstanceType<ReturnType<typeof loadWasi>['WASI']>;
  readonly instance?: WebAssembly.Instance;
  /** Set when the guest ended during instantiation (a start section that traps or exits). */
  readonly end?: GuestEnd;
  readonly instantiateMillis: number;
  readonly memoryBytes: () => number;
}

/** What a test may put in place of the machine's own services (not cloneable, so not in the spec). */
export interface GuestHooks {
  /** Resolves the host names of outbound requests instead of dns.lookup. */
  readonly lookup?: LookupFunction;
}

/** Builds the guest's imports exactly as a run does and instantiates the module (exported for the benchmark and the fuzzer). */
export function instantiateGuest(module: WebAssembly.Module, spec: GuestRunSpec, hooks: GuestHooks = {}): InstantiatedGuest {
  const { WASI } = loadWasi();
  const dirs = spec.dirs ?? [];
  const wasi = new WASI({ version: 'preview1', args: spec.args, env: spec.env, preopens: wasiPreopens(dirs), returnOnExit: true });
  let instance: WebAssembly.Instance | undefined;
  const memory = new GuestMemory(() => instance?.exports.memory as WebAssembly.Memory | undefined);
  const memoryBytes = () => (instance?.exports.memory as WebAssembly.Memory | undefined)?.buffer.byteLength ?? 0;

  const wasiImports = wrapNativeImports((wasi.getImportObject() as WebAssembly.Imports).wasi_snapshot_preview1 ?? {});
  guardVectorCounts(wasiImports, memory);
  passStdioThrough(wasiImports, memory, OutputCapture.attach(spec.capture));
  guardPreopens(wasiImports, dirs, {
    readU32: (ptr) => memory.readU32(ptr),
    text: (ptr, len) => {
      try {
        return PATH_DECODER.decode(memory.view(ptr, len));
      } catch {
        return undefined;
      }
    },
  });
  wasiImports.proc_exit = (code: number) => {
    throw new GuestExit(code >>> 0);
  };
  if (Object.keys(spec.env).length === 0) {
    // Node's environ_get answers EINVAL for an empty environment, and
    // AssemblyScript's runtime aborts on that; there is nothing to copy.
    wasiImports.environ_get = () => WASI_ESUCCESS;
  }
  const stateStoreFailures = spec.stateStore && DaprErrorRecord.attach(spec.stateStore.failures);
  const httpImports = createHttpImports(memory, {
    allowList: parseAllowList(spec.allowedHosts),
    maxOpenResponses: spec.maxOpenResponses,
    requestTimeoutMs: spec.requestTimeoutMs,
    maxResponseBytes: spec.maxResponseBytes,
    lookup: hooks.lookup,
    ...(spec.stateStore && {
      stateStoreWatch: { sidecarOrigins: new Set(spec.stateStore.sidecarOrigins), onFailure: (error) => stateStoreFailures!.record(error) },
    }),
    onError: (call, error) => {
      if (QUIET_ABI_CODES.has(error.abiCode)) return;
      hostLog.warn({ call, abiCode: error.abiCode, reason: error.message }, 'guest http call failed');
    },
  });

  const instantiateStarted = performance.now();
  try {
    instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasiImports, [HTTP_IMPORT_MODULE]: httpImports });
  } catch (err) {
    return { wasi, end: endOf(err), instantiateMillis: performance.now() - instantiateStarted, memoryBytes: () => 0 };
  }
  return { wasi, instance, instantiateMillis: performance.now() - instantiateStarted, memoryBytes };
}

export async function runGuest(module: WebAssembly.Module, spec: GuestRunSpec): Promise<GuestOutcome> {
  const guest = instantiateGuest(module, spec);
  const { wasi, instance, instantiateMillis } = guest;
  if (!instance || guest.end) {
    return { end: guest.end ?? { kind: 'trap', message: 'instantiation failed' }, instantiateMillis, runMillis: 0, memoryBytes: 0 };
  }
  const runStarted = performance.now();
  wasi.finalizeBindings(instance);
  const entry = instance.exports[spec.entry] as (() => unknown) | undefined;
  if (typeof entry !== 'function' || entry.length > 0) {
    const message =
      typeof entry !== 'function'
        ? `the module exports no function "${spec.entry}"`
        : `--invoke ${spec.entry}: the function takes ${entry.length} parameter${entry.length === 1 ? '' : 's'}; only a function without parameters can be invoked`;
    return { end: { kind: 'unrunnable', message }, instantiateMillis, runMillis: 0, memoryBytes: guest.memoryBytes() };
  }
  const start = WebAssembly.promising(entry);
  let end: GuestEnd;
  try {
    const returned = await start();
    // An invoked function's i32 result is its exit code; `_start` returns nothing.
    end = { kind: 'exit', code: spec.invoked && typeof returned === 'number' ? returned : 0 };
  } catch (err) {
    end = endOf(err);
  }
  return { end, instantiateMillis, runMillis: performance.now() - runStarted, memoryBytes: guest.memoryBytes() };
}
