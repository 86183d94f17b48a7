// Reading and writing a WebAssembly module's sections at the byte level, for
// the few rewrites the host makes before compiling (memory-cap.ts,
// start-section.ts). Only section boundaries and LEB128 numbers: the engine
// validates everything else when it compiles the result.
import { HostError, HostErrorCode } from './host-errors.js';

export const WASM_HEADER_BYTES = 8;

export interface Section {
  readonly id: number;
  /** Offset of the section's id byte. */
  readonly start: number;
  readonly payloadStart: number;
  /** Offset just past the section. */
  readonly end: number;
}

export function invalidModule(message: string): HostError {
  return new HostError(HostErrorCode.InvalidModule, `invalid module: ${message}`);
}

export function readU32Leb(bytes: Uint8Array, offset: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let position = offset;
  for (;;) {
    if (position >= bytes.byteLength || shift > 28) throw invalidModule('truncated or oversized LEB128 number');
    const byte = bytes[position++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value, next: position };
    shift += 7;
  }
}

export function writeU32Leb(value: number): number[] {
  const out: number[] = [];
  let rest = value >>> 0;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest !== 0) byte |= 0x80;
    out.push(byte);
  } while (rest !== 0);
  return out;
}

/** The module's sections in file order. */
export function sectionsOf(module: Uint8Array): Section[] {
  const sections: Section[] = [];
  let offset = WASM_HEADER_BYTES;
  while (offset < module.byteLength) {
    const id = module[offset]!;
    const size = readU32Leb(module, offset + 1);
    const end = size.next + size.value;
    if (end > module.byteLength) throw invalidModule('a section runs past the end of the file');
    sections.push({ id, start: offset, payloadStart: size.next, end });
    offset = end;
  }
  return sections;
}

/** A section's bytes with a new payload. */
export function encodeSection(id: number, payload: readonly number[] | Uint8Array): Uint8Array {
  return Buffer.concat([Uint8Array.of(id, ...writeU32Leb(payload.length)), Uint8Array.from(payload)]);
}
