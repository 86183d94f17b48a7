// A property-based fuzzer for the guest-facing edge of wasi-host: the
// `wasi_experimental_http` imports and the host's wrappers around node:wasi,
// built by the host's own instantiateGuest() and called through a trampoline
// guest (trampoline-module.ts), so each call crosses the wasm boundary as a
// real guest's does. One *sequence* is one guest's life: a fresh instance and
// memory, then random calls with random pointers, lengths (≥ 2^31 too),
// handles, methods, header blocks and URLs, memory growth between calls and
// while a request is in flight, sometimes proc_exit. Against loopback servers
// only (fuzz-servers.ts). After every call it checks:
//
//   returns-code        the call returned a documented code (never threw;
//                       never 12, the host's "unexpected error")
//   memory-untouched    no byte of guest memory changed outside the result
//                       slots and buffers that call was given
//   model               handles: open ones work, closed/unknown ones are 1;
//                       an out-of-memory range is 3; a request refused before
//                       sending (3, 6, 8, 9, 10, 13) sent nothing; 13 only
//                       when the guest really holds the limit; 0 only for an
//                       allowed first hop
//   no-denied-traffic   the denied listeners never accepted a connection
//   sockets-settle      after a request returns, no request of it is still
//                       in flight at the server (no socket left mid-response)
//   stdio-untouched     an fd_write to 1/2 whose arguments describe nothing
//                       to write writes nothing
//   preopens-confined   after each sequence, the read-only preopen and a
//                       directory outside both preopens (reachable through
//                       symlinks in them) are as they were made
//
// and at the end of a run: every socket to the servers is closed. Reads
// outside memory have no check of their own: in the host's JS a read past
// the buffer is a RangeError (code 12 here, a failure); in node:wasi's native
// code one shows as a crash or a changed byte (regression 1 was such a case).
// A sequence's PRNG is seeded from (seed, sequence number), so
// `--seed S --sequence N` replays one failure alone.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GuestRunSpec } from '../../operator/src/host/guest-outcome.js';
import { hostLog } from '../../operator/src/host/host-log.js';
import { HTTP_IMPORT_MODULE } from '../../operator/src/host/http-imports.js';
import { OutputCapture } from '../../operator/src/host/output-capture.js';
import { instantiateGuest } from '../../operator/src/host/run-guest.js';
import { eventually } from '../helpers/eventually.js';
import { tableResolver } from './fake-resolver.js';
import { startFuzzServers, type FuzzServers } from './fuzz-servers.js';
import * as gen from './inputs.js';
import { Prng } from './prng.js';
import { trampolineModule, type TrampolineImport, type WasmType } from './trampoline-module.js';

export const PAGE = 65536;
const INITIAL_PAGES = 1;
const MAX_PAGES = 8;
const MAX_OPEN = 3;
const REQUEST_TIMEOUT_MS = 300;
const MAX_RESPONSE_BYTES = 64 * 1024;
const CALLS_PER_SEQUENCE = [1, 24] as const;
const SETTLE_LIMIT_MS = 3000;
const CODE_RUNTIME_ERROR = 12;
const WASI_MAX_ERRNO = 76;
const GUEST_ARGS = ['fuzz.wasm', 'first', 'zweite ✓'];
const GUEST_ENV = { FUZZ: '1', EMPTY: '' };
const encoder = new TextEncoder();

const SIGNATURES: Record<string, number | WasmType[]> = {
  req: 10, close: 1, body_read: 4, header_get: 6, headers_get_all: 4,
};
const WASI_SIGNATURES: Record<string, number | WasmType[]> = {
  fd_write: 4, fd_read: 4, fd_close: 1, fd_fdstat_get: 2, fd_prestat_get: 2, fd_prestat_dir_name: 3,
  args_sizes_get: 2, args_get: 2, environ_sizes_get: 2, environ_get: 2, random_get: 2,
  path_filestat_get: 5, path_create_directory: 3, path_unlink_file: 3, path_remove_directory: 3, path_symlink: 5,
  path_rename: 6, path_link: 7, path_readlink: 6, fd_readdir: ['i32', 'i32', 'i32', 'i64', 'i32'],
  // Only with vectors that do not fit: a real subscription could make the process sleep.
  poll_oneoff: 4,
  fd_renumber: 2, proc_exit: 1,
  path_open: ['i32', 'i32', 'i32', 'i32', 'i32', 'i64', 'i64', 'i32', 'i32'],
};

function imports(module: string, table: Record<string, number | WasmType[]>): TrampolineImport[] {
  return Object.entries(table).map(([name, sig]) => ({
    module, name, params: typeof sig === 'number' ? Array<WasmType>(sig).fill('i32') : sig,
  }));
}
const IMPORTS = [...imports(HTTP_IMPORT_MODULE, SIGNATURES), ...imports('wasi_snapshot_preview1', WASI_SIGNATURES)];

export interface FuzzFailure {
  readonly property: string;
  readonly seed: number;
  readonly sequence: number;
  readonly step: number;
  readonly detail: string;
  /** The calls of the sequence up to the failure, for the regression test. */
  readonly trace: readonly string[];
}

export interface FuzzReport {
  readonly seed: number;
  readonly sequences: number;
  /** Import calls made (the fuzzer's executions). */
  readonly calls: number;
  readonly elapsedMs: number;
  /** How often each (call, code) came back, e.g. "req=7". */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly failures: readonly FuzzFailure[];
  readonly deniedConnections: number;
  readonly socketsOpenAtEnd: number;
}

export interface FuzzOptions {
  readonly seed: number;
  /** Stop starting new sequences after this long. */
  readonly seconds?: number;
  /** Or after this many sequences. */
  readonly sequences?: number;
  /** Run only this sequence (a replay). */
  readonly onlySequence?: number;
  /** Stop at the first failure (default true). */
  readonly stopAtFirstFailure?: boolean;
  readonly onProgress?: (report: FuzzReport) => void;
  /** Told each call before it is made (--verbose: finds a call that kills the process). */
  readonly onCall?: (sequence: number, line: string) => void;
}

/** A property that did not hold; caught per sequence and recorded. */
class PropertyFailure extends Error {
  constructor(readonly property: string, detail: string) {
    super(detail);
  }
}

function fail(property: string, detail: string): never {
  throw new PropertyFailure(property, detail);
}

/** The sub-seed of one sequence: a failure names (seed, sequence) and replays alone. */
export function sequenceSeed(seed: number, sequence: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(sequence + 1, 0x85ebca6b)) >>> 0;
}

interface Region {
  readonly start: number;
  readonly length: number;
}

function inside(ptr: number, len: number, size: number): boolean {
  return (ptr >>> 0) + (len >>> 0) <= size;
}

/** Bytes outside `regions` that differ between `before` and the memory now (grown pages must be zero). */
function changedOutside(before: Uint8Array, now: Uint8Array, regions: readonly Region[]): string | undefined {
  const allowed = regions
    .map((r) => ({ start: r.start >>> 0, end: Math.min((r.start >>> 0) + (r.length >>> 0), now.byteLength) }))
    .filter((r) => r.end > r.start)
    .sort((a, b) => a.start - b.start);
  let cursor = 0;
  const check = (start: number, end: number): string | undefined => {
    if (end <= start) return undefined;
    const oldEnd = Math.min(end, before.byteLength);
    if (oldEnd > start && Buffer.compare(before.subarray(start, oldEnd), now.subarray(start, oldEnd)) !== 0) {
      for (let i = start; i < oldEnd; i++) if (before[i] !== now[i]) return `byte ${i} changed from ${before[i]} to ${now[i]}`;
    }
    for (let i = Math.max(start, before.byteLength); i < end; i++) if (now[i] !== 0) return `grown byte ${i} is ${now[i]}, not 0`;
    return undefined;
  };
  for (const r of allowed) {
    const found = check(cursor, r.start);
    if (found) return found;
    cursor = Math.max(cursor, r.end);
  }
  return check(cursor, now.byteLength);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * What `req` must answer before it looks at anything else, reading its
 * arguments in order: 3 for the first range outside memory, 6 for the first
 * text that is not UTF-8; undefined when all are fine.
 */
function refusalBeforeSending(memory: Uint8Array, ranges: ReadonlyArray<readonly [number, number, boolean]>): number | undefined {
  for (const [ptr, len, text] of ranges) {
    if (!inside(ptr, len, memory.byteLength)) return 3;
    if (text) {
      try {
        strictUtf8.decode(memory.subarray(ptr >>> 0, (ptr >>> 0) + (len >>> 0)));
      } catch {
        return 6;
      }
    }
  }
  return undefined;
}

interface Guest {
  readonly memory: WebAssembly.Memory;
  readonly call: Record<string, (...args: (number | bigint)[]) => number>;
  readonly req: (...args: number[]) => Promise<number>;
  readonly grow: (pages: number) => number;
}

interface Model {
  readonly open: Set<number>;
  readonly closed: Set<number>;
  /** Bytes body_read has handed out per handle, and whether it reported the end. */
  readonly read: Map<number, { bytes: number; ended: boolean }>;
  /** fds path_open handed out, for the calls after it. */
  readonly fds: number[];
}

export class HostImportsFuzzer {
  readonly #servers: FuzzServers;
  readonly #module: WebAssembly.Module;
  readonly #spec: GuestRunSpec;
  readonly #dir: string;
  readonly #allowedOrigins: Set<string>;
  /** What the host's fd 1/2 wrapper recorded (the guest's output). */
  readonly #output: OutputCapture;
  readonly #lookup = tableResolver({
    'allowed.test': ['127.0.0.1'],
    'rebind.test': ['127.0.0.1'],
    'evil.test': ['127.0.0.1'],
    'v6.test': ['::1'],
    localhost: ['127.0.0.1', '::1'],
  });

  private constructor(servers: FuzzServers, dir: string) {
    this.#servers = servers;
    this.#dir = dir;
    this.#module = new WebAssembly.Module(trampolineModule(IMPORTS, { initialPages: INITIAL_PAGES, maximumPages: MAX_PAGES }));
    const allowedHosts = [
      `http://127.0.0.1:${servers.allowedPort}`,
      `http://127.0.0.1:${servers.rawPort}`,
      // By name; resolves to 127.0.0.1, which the list names with this port: allowed.
      `http://allowed.test:${servers.allowedPort}`,
      // By name; resolves to 127.0.0.1, which the list does not name with this port: refused (the DNS rule).
      `http://rebind.test:${servers.deniedPort}`,
    ];
    this.#allowedOrigins = new Set(allowedHosts);
    this.#output = OutputCapture.create(undefined);
    this.#spec = {
      args: GUEST_ARGS,
      env: GUEST_ENV,
      allowedHosts,
      maxOpenResponses: MAX_OPEN,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      capture: this.#output.state,
      entry: '_start',
      invoked: false,
      // fd 3 read-only, fd 4 read-write; each holds symlinks out to `outside`, which nothing may change.
      dirs: [
        { hostPath: join(dir, 'ro'), guestPath: '/data', readOnly: true },
        { hostPath: join(dir, 'rw'), guestPath: '/rw', readOnly: false },
      ],
    };
  }

  static async start(): Promise<HostImportsFuzzer> {
    const servers = await startFuzzServers();
    const dir = mkdtempSync(join(tmpdir(), 'wasi-host-fuzz-'));
    for (const name of ['ro', 'rw', 'outside']) {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'file.txt'), `${name} file\n`);
      if (name !== 'outside') {
        mkdirSync(join(dir, name, 'sub'));
        symlinkSync('../outside', join(dir, name, 'link-out'));
        symlinkSync('..', join(dir, name, 'sub', 'up'));
      }
    }
    return new HostImportsFuzzer(servers, dir);
  }

  async stop(): Promise<void> {
    await this.#servers.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  /** The read-only directory and the one outside both preopens, as they were made. */
  #untouchableChanged(): string | undefined {
    const expected: Record<string, string[]> = { ro: ['file.txt', 'link-out', 'sub'], outside: ['file.txt'] };
    for (const [name, entries] of Object.entries(expected)) {
      const found = readdirSync(join(this.#dir, name)).sort();
      if (found.join('/') !== entries.join('/')) return `${name}/ now holds ${found.join(', ')}`;
      if (readFileSync(join(this.#dir, name, 'file.txt'), 'utf8') !== `${name} file\n`) return `${name}/file.txt changed`;
    }
    if (readdirSync(join(this.#dir, 'ro', 'sub')).join('/') !== 'up') return 'ro/sub/ changed';
    return undefined;
  }

  get servers(): FuzzServers {
    return this.#servers;
  }

  #instantiate(): Guest {
    const guest = instantiateGuest(this.#module, this.#spec, { lookup: this.#lookup });
    if (!guest.instance) throw new Error(`the trampoline guest did not instantiate: ${JSON.stringify(guest.end)}`);
    guest.wasi.finalizeBindings(guest.instance);
    const exports = guest.instance.exports as Record<string, (...args: (number | bigint)[]) => number>;
    const call: Record<string, (...args: (number | bigint)[]) => number> = {};
    for (const { name } of IMPORTS) call[name] = exports[`call_${name}`]!;
    return {
      memory: guest.instance.exports.memory as WebAssembly.Memory,
      call,
      req: WebAssembly.promising(exports.call_req as (...args: number[]) => number) as (...args: number[]) => Promise<number>,
      grow: exports.grow as (pages: number) => number,
    };
  }

  async run(options: FuzzOptions): Promise<FuzzReport> {
    // Every refused call logs a warning; hundreds a second would bury the report.
    const warn = hostLog.warn;
    hostLog.warn = () => undefined;
    try {
      return await this.#run(options);
    } finally {
      hostLog.warn = warn;
    }
  }

  async #run(options: FuzzOptions): Promise<FuzzReport> {
    const started = performance.now();
    const deadline = options.seconds === undefined ? Infinity : started + options.seconds * 1000;
    const stopAtFirst = options.stopAtFirstFailure ?? true;
    const outcomes: Record<string, number> = {};
    const failures: FuzzFailure[] = [];
    let calls = 0;
    let sequences = 0;
    const report = (): FuzzReport => ({
      seed: options.seed, sequences, calls, elapsedMs: performance.now() - started, outcomes, failures,
      deniedConnections: this.#servers.denied.accepted, socketsOpenAtEnd: this.#servers.allowed.open + this.#servers.raw.open,
    });
    const first = options.onlySequence ?? 0;
    for (let sequence = first; ; sequence++) {
      if (options.onlySequence !== undefined && sequence > options.onlySequence) break;
      if (options.sequences !== undefined && sequences >= options.sequences) break;
      if (performance.now() > deadline) break;
      const trace: string[] = [];
      const onCall = options.onCall;
      if (onCall) {
        trace.push = (...lines: string[]) => {
          for (const line of lines) onCall(sequence, line);
          return Array.prototype.push.apply(trace, lines);
        };
      }
      let step = 0;
      try {
        calls += await this.#sequence(new Prng(sequenceSeed(options.seed, sequence)), trace, outcomes, (s) => (step = s));
      } catch (err) {
        const failure: FuzzFailure = err instanceof PropertyFailure
          ? { property: err.property, seed: options.seed, sequence, step, detail: err.message, trace: [...trace] }
          : { property: 'harness', seed: options.seed, sequence, step, detail: err instanceof Error ? err.stack ?? err.message : String(err), trace: [...trace] };
        failures.push(failure);
      }
      if (failures.length === 0 || !stopAtFirst) {
        const changed = this.#untouchableChanged();
        if (changed) failures.push({ property: 'preopens-confined', seed: options.seed, sequence, step: -1, detail: changed, trace: [...trace] });
      }
      sequences++;
      options.onProgress?.(report());
      if (failures.length > 0 && stopAtFirst) break;
    }
    // Guest exit: nothing of any guest may keep a socket open.
    const allClosed = (): boolean => this.#servers.allowed.open + this.#servers.raw.open === 0;
    const settled = await eventually('every socket to the servers closed', allClosed, { timeoutMs: 10_000, intervalMs: 2 }).then(() => true, () => false);
    if (!settled) {
      failures.push({
        property: 'sockets-closed-at-end', seed: options.seed, sequence: -1, step: -1, trace: [],
        detail: `${this.#servers.allowed.open} sockets to the allowed server and ${this.#servers.raw.open} to the raw one still open after every guest ended`,
      });
    }
    if (this.#servers.denied.accepted > 0) {
      failures.push({ property: 'no-denied-traffic', seed: options.seed, sequence: -1, step: -1, trace: [], detail: `${this.#servers.denied.accepted} connections reached a denied origin` });
    }
    return report();
  }

  /** One guest's life; returns the number of calls made. */
  async #sequence(rng: Prng, trace: string[], outcomes: Record<string, number>, setStep: (s: number) => void): Promise<number> {
    const guest = this.#instantiate();
    const model: Model = { open: new Set(), closed: new Set(), read: new Map(), fds: [] };
    const length = rng.between(...CALLS_PER_SEQUENCE);
    let made = 0;
    for (let step = 0; step < length; step++) {
      setStep(step);
      if (rng.chance(0.1)) {
        const pages = rng.pick([0, 1, 2, -1, 100]);
        const grown = guest.grow(pages);
        trace.push(`grow(${pages}) = ${grown}`);
      }
      const kind = rng.weighted<string>([
        [30, 'req'], [8, 'close'], [12, 'body_read'], [8, 'header_get'], [6, 'headers_get_all'], [16, 'wasi'], [1, 'proc_exit'],
      ]);
      made++;
      if (kind === 'proc_exit') {
        const code = rng.pick([0, 1, 255, -1, 2 ** 31]);
        trace.push(`proc_exit(${code})`);
        try {
          guest.call.proc_exit!(code);
        } catch (err) {
          const exitCode = (err as { code?: unknown }).code;
          if (err?.constructor?.name !== 'GuestExit' || exitCode !== code >>> 0) fail('returns-code', `proc_exit(${code}) threw ${String(err)} (code ${String(exitCode)})`);
          outcomes['proc_exit=exit'] = (outcomes['proc_exit=exit'] ?? 0) + 1;
          return made; // the guest is gone; so are its handles
        }
        fail('returns-code', `proc_exit(${code}) returned`);
      }
      const code = kind === 'wasi' ? this.#wasiCall(rng, guest, model, trace) : await this.#httpCall(kind, rng, guest, model, trace);
      const key = `${trace[trace.length - 1]!.replace(/\(.*$/, '')}=${code}`;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      if (this.#servers.denied.accepted > 0) fail('no-denied-traffic', `a denied origin accepted a connection after: ${trace[trace.length - 1]}`);
    }
    return made;
  }

  /** A pointer: mostly inside memory, sometimes just past it, negative as an i32, or huge. */
  #pointer(rng: Prng, size: number, room: number): number {
    return rng.weighted<number>([
      [20, rng.below(Math.max(1, size - room))],
      [2, size - rng.between(0, 8)],
      [1, size],
      [1, size + rng.between(1, 4 * PAGE)],
      [1, 2 ** 31 + rng.below(1000)],
      [1, 2 ** 32 - rng.between(1, 8)],
      [1, 0],
    ]);
  }

  #length(rng: Prng, size: number, ptr: number): number {
    return rng.weighted<number>([
      [20, rng.between(0, Math.min(256, Math.max(0, size - (ptr >>> 0))))],
      [3, Math.max(0, size - (ptr >>> 0))],
      [2, 0],
      [1, size - (ptr >>> 0) + 1],
      [1, 2 ** 31],
      [1, 2 ** 32 - 1],
      [1, rng.between(0, 3 * PAGE)],
    ]);
  }

  /** Puts `bytes` somewhere in memory (usually), returning the (ptr, len) the guest passes. */
  #place(rng: Prng, guest: Guest, bytes: Uint8Array, sane = false): [number, number] {
    const size = guest.memory.buffer.byteLength;
    if (bytes.byteLength <= size && (sane || rng.chance(0.92))) {
      const ptr = rng.below(size - bytes.byteLength + 1);
      new Uint8Array(guest.memory.buffer).set(bytes, ptr);
      return [ptr, bytes.byteLength];
    }
    const ptr = this.#pointer(rng, size, 0);
    return [ptr, this.#length(rng, size, ptr)];
  }

  #handle(rng: Prng, model: Model): number {
    const open = [...model.open];
    const closed = [...model.closed];
    return rng.weighted<number>([
      [open.length > 0 ? 12 : 0, open.length > 0 ? rng.pick(open) : 0],
      [closed.length > 0 ? 2 : 0, closed.length > 0 ? rng.pick(closed) : 0],
      [1, 0], [1, -1], [1, 2 ** 31], [1, rng.u32()], [1, 1], [1, 2],
    ]);
  }

  async #httpCall(kind: string, rng: Prng, guest: Guest, model: Model, trace: string[]): Promise<number> {
    if (kind === 'req') return this.#req(rng, guest, model, trace);
    const size = () => guest.memory.buffer.byteLength;
    const handle = this.#handle(rng, model);
    const isOpen = model.open.has(handle >>> 0);
    const slot = () => this.#pointer(rng, size(), 4);
    if (kind === 'close') {
      trace.push(`close(${handle})`);
      const code = this.#checked(guest, [], () => guest.call.close!(handle));
      const expected = isOpen ? 0 : 1;
      if (code !== expected) fail('model', `close(${handle}) returned ${code}, expected ${expected}`);
      if (isOpen) {
        model.open.delete(handle >>> 0);
        model.closed.add(handle >>> 0);
      }
      return code;
    }
    if (kind === 'body_read') {
      const buf = this.#pointer(rng, size(), 64);
      const len = this.#length(rng, size(), buf);
      const readPtr = slot();
      trace.push(`body_read(${handle}, ${buf}, ${len}, ${readPtr})`);
      const code = this.#checked(guest, [{ start: buf, length: len }, { start: readPtr, length: 4 }], () => guest.call.body_read!(handle, buf, len, readPtr));
      const oob = !inside(buf, len, size()) || !inside(readPtr, 4, size());
      const expected = !isOpen ? 1 : oob ? 3 : 0;
      if (code !== expected) fail('model', `body_read returned ${code}, expected ${expected} (open ${isOpen}, out of memory ${oob})`);
      if (code === 0) {
        const count = new DataView(guest.memory.buffer).getUint32(readPtr >>> 0, true);
        const state = model.read.get(handle >>> 0) ?? { bytes: 0, ended: false };
        if (count > (len >>> 0)) fail('model', `body_read wrote a count of ${count} for a ${len >>> 0}-byte buffer`);
        if (state.ended && count !== 0) fail('model', `body_read returned ${count} bytes after it had reported the end`);
        if (count === 0 && (len >>> 0) > 0) state.ended = true;
        state.bytes += count;
        if (state.bytes > MAX_RESPONSE_BYTES) fail('model', `body_read handed out ${state.bytes} bytes, more than the ${MAX_RESPONSE_BYTES}-byte limit`);
        model.read.set(handle >>> 0, state);
      }
      return code;
    }
    if (kind === 'header_get') {
      const [namePtr, nameLen] = this.#place(rng, guest, gen.headerName(rng));
      const value = this.#pointer(rng, size(), 64);
      const valueLen = this.#length(rng, size(), value);
      const written = slot();
      trace.push(`header_get(${handle}, ${namePtr}, ${nameLen}, ${value}, ${valueLen}, ${written})`);
      const nameOk = inside(namePtr, nameLen, size());
      let validName = false;
      if (nameOk) {
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(guest.memory.buffer, namePtr >>> 0, nameLen >>> 0));
          validName = true;
        } catch {
          validName = false;
        }
      }
      const code = this.#checked(guest, [{ start: value, length: valueLen }, { start: written, length: 4 }], () =>
        guest.call.header_get!(handle, namePtr, nameLen, value, valueLen, written));
      const outOk = inside(value, valueLen, size()) && inside(written, 4, size());
      const allowed = !isOpen ? [1] : !nameOk ? [3] : !validName ? [6] : !outOk ? [3] : [0, 4, 5];
      if (!allowed.includes(code)) fail('model', `header_get returned ${code}, expected one of ${allowed.join(', ')}`);
      if (code === 0 && new DataView(guest.memory.buffer).getUint32(written >>> 0, true) > (valueLen >>> 0)) fail('model', 'header_get wrote more than the buffer holds');
      return code;
    }
    const buf = this.#pointer(rng, size(), 256);
    const len = this.#length(rng, size(), buf);
    const written = slot();
    trace.push(`headers_get_all(${handle}, ${buf}, ${len}, ${written})`);
    const code = this.#checked(guest, [{ start: buf, length: len }, { start: written, length: 4 }], () => guest.call.headers_get_all!(handle, buf, len, written));
    const oob = !inside(buf, len, size()) || !inside(written, 4, size());
    const allowed = !isOpen ? [1] : oob ? [3] : [0, 4];
    if (!allowed.includes(code)) fail('model', `headers_get_all returned ${code}, expected one of ${allowed.join(', ')}`);
    return code;
  }

  /** Runs a synchronous import call under the memory and return-code properties. */
  #checked(guest: Guest, regions: readonly Region[], call: () => number): number {
    const before = new Uint8Array(guest.memory.buffer).slice();
    let code: number;
    try {
      code = call();
    } catch (err) {
      fail('returns-code', `the import threw ${err instanceof Error ? err.stack : String(err)}`);
    }
    this.#checkCode(code, 13);
    const changed = changedOutside(before, new Uint8Array(guest.memory.buffer), regions);
    if (changed) fail('memory-untouched', changed);
    return code;
  }

  #checkCode(code: unknown, max: number): asserts code is number {
    if (typeof code !== 'number' || !Number.isInteger(code) || code < 0 || code > max) fail('returns-code', `returned ${String(code)}`);
    if (max === 13 && code === CODE_RUNTIME_ERROR) fail('returns-code', 'returned 12: an unexpected host error reached the ABI edge');
  }

  async #req(rng: Prng, guest: Guest, model: Model, trace: string[]): Promise<number> {
    // Half the requests are well-formed and go to an allowed origin, so that
    // responses (and the calls on their handles) are common; the rest are anything.
    const sane = rng.chance(0.5);
    const ports = { allowed: this.#servers.allowedPort, raw: this.#servers.rawPort, denied: this.#servers.deniedPort };
    const urlText = sane ? gen.saneUrl(rng, ports) : gen.url(rng, ports);
    const urlBytes = !sane && rng.chance(0.03) ? gen.withBadUtf8(rng, encoder.encode(urlText)) : encoder.encode(urlText);
    const [urlPtr, urlLen] = this.#place(rng, guest, urlBytes, sane);
    const [methodPtr, methodLen] = this.#place(rng, guest, gen.method(rng, sane), sane);
    const [headersPtr, headersLen] = this.#place(rng, guest, gen.headers(rng, sane), sane);
    const [bodyPtr, bodyLen] = this.#place(rng, guest, gen.body(rng), sane);
    const size = guest.memory.buffer.byteLength;
    const statusPtr = sane ? rng.below(size - 1) : this.#pointer(rng, size, 2);
    const handlePtr = sane ? rng.below(size - 3) : this.#pointer(rng, size, 4);
    const growDuring = rng.chance(0.15) ? rng.pick([1, 2]) : 0;
    const args = [urlPtr, urlLen, methodPtr, methodLen, headersPtr, headersLen, bodyPtr, bodyLen, statusPtr, handlePtr];
    trace.push(`req(${args.join(', ')}) url=${JSON.stringify(urlText)}${growDuring ? ` grow(${growDuring}) during` : ''}`);
    const refusedFirst = refusalBeforeSending(new Uint8Array(guest.memory.buffer), [
      [urlPtr, urlLen, true], [methodPtr, methodLen, true], [headersPtr, headersLen, true], [bodyPtr, bodyLen, false], [statusPtr, 2, false], [handlePtr, 4, false],
    ]);
    const sentBefore = this.#servers.allowed.requests + this.#servers.raw.requests;
    const openBefore = model.open.size;
    const before = new Uint8Array(guest.memory.buffer).slice();
    let code: number;
    try {
      const pending = guest.req(...args);
      if (growDuring) guest.grow(growDuring);
      code = await pending;
    } catch (err) {
      fail('returns-code', `req threw ${err instanceof Error ? err.stack : String(err)}`);
    }
    this.#checkCode(code, 13);
    const changed = changedOutside(before, new Uint8Array(guest.memory.buffer), [{ start: statusPtr, length: 2 }, { start: handlePtr, length: 4 }]);
    if (changed) fail('memory-untouched', changed);
    if (refusedFirst !== undefined && code !== refusedFirst) fail('model', `req returned ${code}, expected ${refusedFirst} (a range outside memory or invalid UTF-8, in argument order)`);
    const sent = this.#servers.allowed.requests + this.#servers.raw.requests - sentBefore;
    if ([3, 6, 8, 9, 10, 13].includes(code) && sent > 0) fail('model', `req returned ${code} yet ${sent} requests reached a server`);
    if (code === 13 && openBefore < MAX_OPEN) fail('model', `req returned 13 with only ${openBefore} of ${MAX_OPEN} responses open (a leaked handle)`);
    if (code === 0) {
      let first: URL | undefined;
      try {
        first = new URL(urlText);
      } catch {
        fail('model', 'req succeeded for a URL that does not parse');
      }
      if (!this.#allowedOrigins.has(first.origin)) fail('model', `req succeeded for ${first.origin}, which is not on the allow-list`);
      if (openBefore >= MAX_OPEN) fail('model', `req succeeded with ${openBefore} responses already open`);
      const handle = new DataView(guest.memory.buffer).getUint32(handlePtr >>> 0, true);
      if (handle === 0 || model.open.has(handle)) fail('model', `req returned handle ${handle}, which is 0 or already open`);
      model.open.add(handle);
      model.closed.delete(handle);
    }
    // Every request the call made is over at the server: answered, or its socket cut.
    await eventually('no request in flight at the server', () => this.#servers.allowed.inFlight === 0, { timeoutMs: SETTLE_LIMIT_MS, intervalMs: 2 }).catch(() =>
      fail('sockets-settle', `${this.#servers.allowed.inFlight} requests still in flight at the server ${SETTLE_LIMIT_MS} ms after req returned ${code}`),
    );
    return code;
  }

  #wasiCall(rng: Prng, guest: Guest, model: Model, trace: string[]): number {
    const size = guest.memory.buffer.byteLength;
    const ptr = (room: number) => this.#pointer(rng, size, room);
    // Never fds 0-2 for calls that would close, renumber over or read the real stdio of this process,
    // nor writes to 1-2 that would land on the test's output.
    const fd = model.fds.length > 0 && rng.chance(0.3) ? rng.pick(model.fds) : rng.pick([3, 3, 3, 4, 4, 4, 5, 6, 9, 2 ** 31, -1, 1000]);
    const name = rng.pick(Object.keys(WASI_SIGNATURES).filter((n) => n !== 'proc_exit'));
    let args: (number | bigint)[];
    let regions: Region[] = [];
    const view = new DataView(guest.memory.buffer);
    const iovecTargets = (iovs: number, count: number): Region[] => {
      const out: Region[] = [];
      for (let i = 0; i < Math.min(count >>> 0, 64); i++) {
        const at = (iovs >>> 0) + i * 8;
        if (at + 8 > size) break;
        out.push({ start: view.getUint32(at, true), length: view.getUint32(at + 4, true) });
      }
      return out;
    };
    const pathArgs = (): [number, number] => this.#place(rng, guest, encoder.encode(rng.pick([
      'file.txt', 'sub', 'sub/../file.txt', '../etc', '/etc/passwd', 'new-dir', 'x'.repeat(300), '', 'link-out', 'link-out/file.txt',
      'link-out/new-dir', 'sub/up/link-out/file.txt', 'sub/up/file.txt', 'sub/up/../outside/file.txt', 'sub/up/new-dir',
    ])));
    switch (name) {
      case 'fd_write':
      case 'fd_read': {
        const iovs = ptr(16);
        const count = rng.pick([0, 1, 2, 2 ** 31, 5000]);
        args = [fd, iovs, count, ptr(4)];
        regions = [{ start: args[3] as number, length: 4 }, ...(name === 'fd_read' ? iovecTargets(iovs, count) : [])];
        if (name === 'fd_read' && (count >>> 0) > 64) regions.push({ start: 0, length: size }); // too many iovecs to track: skip the check
        break;
      }
      case 'fd_close':
        args = [fd];
        break;
      case 'fd_renumber':
        args = [fd, rng.pick([3, 4, 5, 2 ** 31])];
        break;
      case 'fd_fdstat_get':
        args = [fd, ptr(24)];
        regions = [{ start: args[1] as number, length: 24 }];
        break;
      case 'fd_prestat_get':
        args = [fd, ptr(8)];
        regions = [{ start: args[1] as number, length: 8 }];
        break;
      case 'fd_prestat_dir_name': {
        const buf = ptr(8);
        args = [fd, buf, this.#length(rng, size, buf)];
        regions = [{ start: buf, length: args[2] as number }];
        break;
      }
      case 'args_sizes_get':
      case 'environ_sizes_get':
        args = [ptr(4), ptr(4)];
        regions = [{ start: args[0] as number, length: 4 }, { start: args[1] as number, length: 4 }];
        break;
      case 'args_get':
      case 'environ_get': {
        const strings = name === 'args_get' ? GUEST_ARGS : Object.entries(GUEST_ENV).map(([k, v]) => `${k}=${v}`);
        args = [ptr(4 * strings.length), ptr(64)];
        regions = [
          { start: args[0] as number, length: 4 * strings.length },
          { start: args[1] as number, length: strings.reduce((n, s) => n + encoder.encode(s).byteLength + 1, 0) },
        ];
        break;
      }
      case 'random_get': {
        const buf = ptr(64);
        args = [buf, this.#length(rng, size, buf)];
        regions = [{ start: buf, length: args[1] as number }];
        break;
      }
      case 'path_filestat_get': {
        const [p, l] = pathArgs();
        args = [fd, rng.pick([0, 1]), p, l, ptr(64)];
        regions = [{ start: args[4] as number, length: 64 }];
        break;
      }
      case 'path_symlink': {
        // path_symlink(old_path, old_len, fd, new_path, new_len): a link out, made from inside.
        const [o, ol] = this.#place(rng, guest, encoder.encode(rng.pick(['/', '..', '../outside', '../../', 'file.txt', 'sub'])));
        const [n, nl] = pathArgs();
        args = [o, ol, fd, n, nl];
        break;
      }
      case 'path_rename': {
        // path_rename(fd, old, old_len, new_fd, new, new_len): out of or into a read-only directory, or through a link out.
        const [o, ol] = pathArgs();
        const [n, nl] = pathArgs();
        args = [fd, o, ol, rng.pick([3, 4, fd]), n, nl];
        break;
      }
      case 'path_link': {
        // path_link(old_fd, flags, old, old_len, new_fd, new, new_len)
        const [o, ol] = pathArgs();
        const [n, nl] = pathArgs();
        args = [fd, rng.pick([0, 1]), o, ol, rng.pick([3, 4, fd]), n, nl];
        break;
      }
      case 'path_readlink': {
        const [p, l] = pathArgs();
        const buf = ptr(64);
        const len = this.#length(rng, size, buf);
        const used = ptr(4);
        args = [fd, p, l, buf, len, used];
        regions = [{ start: buf, length: len }, { start: used, length: 4 }];
        break;
      }
      case 'fd_readdir': {
        const buf = ptr(256);
        const len = this.#length(rng, size, buf);
        const used = ptr(4);
        args = [fd, buf, len, BigInt(rng.pick([0, 1, 2, 1000])), used];
        regions = [{ start: buf, length: len }, { start: used, length: 4 }];
        break;
      }
      case 'poll_oneoff': {
        const n = rng.pick([2 ** 31, 2 ** 28, 2 ** 26 + 1, 1_000_000]);
        args = [ptr(48), ptr(32), n, ptr(4)];
        break;
      }
      case 'path_create_directory':
      case 'path_remove_directory':
      case 'path_unlink_file': {
        const [p, l] = pathArgs();
        args = [fd, p, l];
        break;
      }
      default: {
        // path_open(dirfd, dirflags, path, len, oflags, rights_base, rights_inheriting, fdflags, fd_out)
        const [p, l] = pathArgs();
        const out = ptr(4);
        args = [fd, rng.pick([0, 1]), p, l, rng.pick([0, 1, 2, 8, 15]), rng.pick([0n, 2n, 64n, 0xffffffffn]), 0n, rng.pick([0, 1]), out];
        regions = [{ start: out, length: 4 }];
      }
    }
    if (name === 'fd_write' && rng.chance(0.2)) {
      // stdout/stderr through the host's own fd_write, with nothing that could reach the test's output:
      // no iovecs, a count past memory, or iovecs that start past memory.
      args[0] = rng.pick([1, 2]);
      if (rng.chance(0.5)) {
        args[2] = rng.pick([0, 2 ** 31, 2 ** 29 + 1]);
        // A well-formed first iovec (one byte), so that a count the host misjudges shows as output.
        const iovs = args[1] as number;
        if (inside(iovs, 8, size)) {
          view.setUint32(iovs >>> 0, iovs >>> 0, true);
          view.setUint32((iovs >>> 0) + 4, 1, true);
        }
      } else args[1] = size + rng.below(PAGE);
    }
    trace.push(`${name}(${args.map(String).join(', ')})`);
    const outputBefore = this.#output.totalBytes;
    const before = new Uint8Array(guest.memory.buffer).slice();
    let code: number;
    try {
      code = guest.call[name]!(...args);
    } catch (err) {
      fail('returns-code', `${name} threw ${err instanceof Error ? err.stack : String(err)}`);
    }
    this.#checkCode(code, WASI_MAX_ERRNO);
    const changed = changedOutside(before, new Uint8Array(guest.memory.buffer), regions);
    if (changed) fail('memory-untouched', `${name}: ${changed}`);
    // The arguments above never describe a byte to write to stdout or stderr.
    if (this.#output.totalBytes !== outputBefore) fail('stdio-untouched', `${name} returned ${code} after writing ${this.#output.totalBytes - outputBefore} bytes of guest memory to fd ${String(args[0])}`);
    if (name === 'path_open' && code === 0) model.fds.push(new DataView(guest.memory.buffer).getUint32((args[8] as number) >>> 0, true));
    return code;
  }
}

/** Runs the fuzzer once against fresh servers: what `npm run fuzz` and the test call. */
export async function fuzzHostImports(options: FuzzOptions): Promise<FuzzReport> {
  const fuzzer = await HostImportsFuzzer.start();
  try {
    return await fuzzer.run(options);
  } finally {
    await fuzzer.stop();
  }
}

export function describeFailure(failure: FuzzFailure): string {
  return [
    `property ${failure.property} failed: seed ${failure.seed}, sequence ${failure.sequence}, step ${failure.step}`,
    `  ${failure.detail}`,
    `  replay: npm run fuzz -- --seed ${failure.seed} --sequence ${failure.sequence}`,
    '  calls:',
    ...failure.trace.map((line) => `    ${line.length > 400 ? `${line.slice(0, 400)}…` : line}`),
  ].join('\n');
}
