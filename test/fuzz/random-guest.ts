// A random guest for the end-to-end property: a real command module whose
// `_start` makes a fixed, seed-chosen sequence of `wasi_experimental_http`
// calls (constant arguments, inputs laid out in a data segment), grows its
// memory between some of them, and ends by returning, by proc_exit or by a
// trap. Run by a real `wasi-host run` process, whatever it does, the process
// must end with a result file.
import * as gen from './inputs.js';
import type { Ports } from './inputs.js';
import { Prng } from './prng.js';

const PAGE = 65536;
const HTTP = 'wasi_experimental_http';

type Call = { name: string; args: number[] };

export type GuestEnding = { kind: 'return' } | { kind: 'exit'; code: number } | { kind: 'trap' };

export interface RandomGuest {
  readonly bytes: Uint8Array;
  readonly ending: GuestEnding;
  /** What `_start` does, for a failure message. */
  readonly description: readonly string[];
}

function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/** Signed LEB128 of an i32 (i32.const's immediate). */
function sleb(value: number): number[] {
  let v = value | 0;
  const out: number[] = [];
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function name(text: string): number[] {
  const bytes = [...Buffer.from(text, 'utf8')];
  return [...leb(bytes.length), ...bytes];
}

function section(id: number, payload: number[]): number[] {
  return [id, ...leb(payload.length), ...payload];
}

const IMPORTS: ReadonlyArray<{ module: string; name: string; params: number; result: boolean }> = [
  { module: HTTP, name: 'req', params: 10, result: true },
  { module: HTTP, name: 'close', params: 1, result: true },
  { module: HTTP, name: 'body_read', params: 4, result: true },
  { module: HTTP, name: 'header_get', params: 6, result: true },
  { module: HTTP, name: 'headers_get_all', params: 4, result: true },
  { module: 'wasi_snapshot_preview1', name: 'fd_write', params: 4, result: true },
  { module: 'wasi_snapshot_preview1', name: 'fd_read', params: 4, result: true },
  // Last: the ending calls it by position.
  { module: 'wasi_snapshot_preview1', name: 'proc_exit', params: 1, result: false },
];

export function randomGuest(seed: number, ports: Ports): RandomGuest {
  const rng = new Prng(seed);
  const image = new Uint8Array(PAGE);
  let used = 1024; // inputs go after a scratch area for results
  const place = (bytes: Uint8Array): [number, number] => {
    if (used + bytes.byteLength > PAGE || rng.chance(0.05)) return [rng.pick([PAGE - 2, PAGE + 10, 2 ** 31, 2 ** 32 - 1]), rng.pick([4, 2 ** 31])];
    const at = used;
    image.set(bytes, at);
    used += bytes.byteLength;
    return [at, bytes.byteLength];
  };
  const scratch = () => rng.weighted<number>([[12, rng.below(1000)], [1, PAGE - 1], [1, 2 ** 31], [1, PAGE * 4]]);
  const handle = () => rng.weighted<number>([[10, rng.between(1, 6)], [1, 0], [1, -1], [1, 2 ** 31]]);
  const calls: Array<Call | { name: 'grow'; args: [number] }> = [];
  const count = rng.between(1, 30);
  for (let i = 0; i < count; i++) {
    const kind = rng.weighted<string>([[8, 'req'], [3, 'close'], [4, 'body_read'], [2, 'header_get'], [2, 'headers_get_all'], [1, 'grow'], [1, 'fd_write'], [1, 'fd_read']]);
    if (kind === 'fd_write' || kind === 'fd_read') {
      // 2^31 iovecs: node:wasi's own bounds check wraps, and it used to abort the whole process (regression 1).
      const fd = kind === 'fd_write' ? rng.pick([1, 2, 3, 9]) : rng.pick([3, 9]);
      calls.push({ name: kind, args: [fd, scratch(), rng.pick([0, 1, 2, 2 ** 31]), scratch()] });
    } else if (kind === 'grow') calls.push({ name: 'grow', args: [rng.pick([1, 2, 100])] });
    else if (kind === 'req') {
      const sane = rng.chance(0.6);
      const url = new TextEncoder().encode(sane ? gen.saneUrl(rng, ports) : gen.url(rng, ports));
      // The inputs of a data segment stay small: no multi-kilobyte header blocks here.
      const headerBytes = gen.headers(rng, true);
      const [u, ul] = place(url);
      const [m, ml] = place(gen.method(rng, sane));
      const [h, hl] = place(headerBytes);
      const [b, bl] = place(rng.chance(0.2) ? new TextEncoder().encode('the body') : new Uint8Array(0));
      calls.push({ name: 'req', args: [u, ul, m, ml, h, hl, b, bl, scratch(), scratch()] });
    } else if (kind === 'close') calls.push({ name: 'close', args: [handle()] });
    else if (kind === 'header_get') {
      const [n, nl] = place(gen.headerName(rng));
      calls.push({ name: 'header_get', args: [handle(), n, nl, scratch(), rng.pick([0, 16, 256]), scratch()] });
    } else calls.push({ name: kind, args: [handle(), scratch(), rng.pick([0, 1, 64, 512, 2 ** 31]), scratch()] });
  }
  const ending = rng.weighted<GuestEnding>([[3, { kind: 'return' }], [2, { kind: 'exit', code: rng.pick([0, 3, 255]) }], [1, { kind: 'trap' }]]);

  const code: number[] = [];
  for (const call of calls) {
    if (call.name === 'grow') {
      code.push(0x41, ...sleb(call.args[0]!), 0x40, 0x00, 0x1a);
      continue;
    }
    const index = IMPORTS.findIndex((i) => i.name === call.name);
    for (const arg of call.args) code.push(0x41, ...sleb(arg));
    code.push(0x10, ...leb(index), 0x1a);
  }
  if (ending.kind === 'exit') code.push(0x41, ...sleb(ending.code), 0x10, ...leb(IMPORTS.length - 1));
  if (ending.kind === 'trap') code.push(0x00);
  const body = [0x00, ...code, 0x0b];

  let last = image.byteLength;
  while (last > 0 && image[last - 1] === 0) last--;
  const types = [...IMPORTS.map((i) => [0x60, ...leb(i.params), ...Array(i.params).fill(0x7f), ...(i.result ? [0x01, 0x7f] : [0x00])]), [0x60, 0x00, 0x00]];
  const bytes = Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [...leb(types.length), ...types.flat()]),
    ...section(2, [...leb(IMPORTS.length), ...IMPORTS.flatMap((imp, i) => [...name(imp.module), ...name(imp.name), 0x00, ...leb(i)])]),
    ...section(3, [0x01, ...leb(IMPORTS.length)]),
    ...section(5, [0x01, 0x01, 0x01, 0x04]),
    ...section(7, [0x02, ...name('memory'), 0x02, 0x00, ...name('_start'), 0x00, ...leb(IMPORTS.length)]),
    ...section(10, [0x01, ...leb(body.length), ...body]),
    ...section(11, [0x01, 0x00, 0x41, 0x00, 0x0b, ...leb(last), ...image.subarray(0, last)]),
  ]);
  const description = calls.map((c) => `${c.name}(${c.args.join(', ')})`);
  description.push(ending.kind === 'exit' ? `proc_exit(${ending.code})` : ending.kind);
  return { bytes, ending, description };
}
