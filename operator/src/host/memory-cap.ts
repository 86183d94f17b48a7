// --max-memory-mb: a guest defines its own memory, so the only place to cap
// it from outside is the module itself. We rewrite the maximum in the memory
// section's limits before compiling; the engine then makes `memory.grow`
// beyond the cap return -1 inside the guest, exactly as if the module had
// declared that maximum. A module that declares a lower maximum keeps it.
import { HostError, HostErrorCode } from './host-errors.js';

export const WASM_PAGE_BYTES = 65536;
const MEMORY_SECTION = 5;
const LIMITS_MIN_ONLY = 0x00;
const LIMITS_MIN_MAX = 0x01;

function readU32Leb(bytes: Uint8Array, offset: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let position = offset;
  for (;;) {
    if (position >= bytes.byteLength || shift > 28) throw invalid('truncated or oversized LEB128 number');
    const byte = bytes[position++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value, next: position };
    shift += 7;
  }
}

function writeU32Leb(value: number): number[] {
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

function invalid(message: string): HostError {
  return new HostError(HostErrorCode.InvalidModule, `invalid module: ${message}`);
}

function patchMemorySection(payload: Uint8Array, capPages: number): number[] {
  let { value: count, next: offset } = readU32Leb(payload, 0);
  const out = writeU32Leb(count);
  while (count-- > 0) {
    const flags = payload[offset++];
    if (flags !== LIMITS_MIN_ONLY && flags !== LIMITS_MIN_MAX) {
      throw new HostError(
        HostErrorCode.InvalidModule,
        `--max-memory-mb supports plain 32-bit memories only; this module's memory has limits flags 0x${(flags ?? 0).toString(16)} (shared or 64-bit); drop --max-memory-mb or rebuild the guest`,
      );
    }
    const min = readU32Leb(payload, offset);
    offset = min.next;
    let max = capPages;
    if (flags === LIMITS_MIN_MAX) {
      const declared = readU32Leb(payload, offset);
      offset = declared.next;
      max = Math.min(declared.value, capPages);
    }
    if (min.value > capPages) {
      throw new HostError(
        HostErrorCode.MemoryLimit,
        `the guest needs ${Math.ceil((min.value * WASM_PAGE_BYTES) / 2 ** 20)} MiB of memory at start, more than --max-memory-mb ${Math.floor((capPages * WASM_PAGE_BYTES) / 2 ** 20)}; raise --max-memory-mb`,
      );
    }
    out.push(LIMITS_MIN_MAX, ...writeU32Leb(min.value), ...writeU32Leb(max));
  }
  if (offset !== payload.byteLength) throw invalid('memory section has trailing bytes');
  return out;
}

export function capPagesFor(maxMemoryMb: number): number {
  return Math.min(65536, Math.floor((maxMemoryMb * 2 ** 20) / WASM_PAGE_BYTES));
}

/** Returns the module bytes with every defined memory's maximum at most `capPages`. */
export function capModuleMemory(module: Uint8Array, capPages: number): Uint8Array {
  const parts: Uint8Array[] = [module.subarray(0, 8)];
  let offset = 8;
  while (offset < module.byteLength) {
    const id = module[offset]!;
    const size = readU32Leb(module, offset + 1);
    const end = size.next + size.value;
    if (end > module.byteLength) throw invalid('a section runs past the end of the file');
    if (id === MEMORY_SECTION) {
      const payload = patchMemorySection(module.subarray(size.next, end), capPages);
      parts.push(Uint8Array.of(id, ...writeU32Leb(payload.length), ...payload));
    } else {
      parts.push(module.subarray(offset, end));
    }
    offset = end;
  }
  return Buffer.concat(parts);
}
