// --max-memory-mb: a guest defines its own memory, so the only place to cap
// it from outside is the module itself. We rewrite the maximum in the memory
// section's limits before compiling; the engine then makes `memory.grow`
// beyond the cap return -1 inside the guest, exactly as if the module had
// declared that maximum. A module that declares a lower maximum keeps it.
import { HostError, HostErrorCode } from './host-errors.js';
import { encodeSection, invalidModule as invalid, readU32Leb, sectionsOf, WASM_HEADER_BYTES, writeU32Leb } from './module-sections.js';

export const WASM_PAGE_BYTES = 65536;
const MEMORY_SECTION = 5;
const LIMITS_MIN_ONLY = 0x00;
const LIMITS_MIN_MAX = 0x01;

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
  const parts: Uint8Array[] = [module.subarray(0, WASM_HEADER_BYTES)];
  for (const section of sectionsOf(module)) {
    parts.push(
      section.id === MEMORY_SECTION
        ? encodeSection(section.id, patchMemorySection(module.subarray(section.payloadStart, section.end), capPages))
        : module.subarray(section.start, section.end),
    );
  }
  return Buffer.concat(parts);
}
