// Modules whose code runs in their start section (older AssemblyScript, as-wasi
// and other toolchains emit them, with no `_start` export). The engine runs a
// start function inside instantiation, outside WebAssembly.promising, where
// the guest's first HTTP call could not suspend. So the host moves it: the
// start section goes, and the same function is exported as `_start`, which
// the host then runs like any WASI command's.
import { encodeSection, readU32Leb, sectionsOf, WASM_HEADER_BYTES, writeU32Leb } from './module-sections.js';

const EXPORT_SECTION = 7;
const START_SECTION = 8;
const EXPORT_KIND_FUNCTION = 0x00;

export const START_EXPORT = '_start';

function nameBytes(text: string): number[] {
  const bytes = [...Buffer.from(text, 'utf8')];
  return [...writeU32Leb(bytes.length), ...bytes];
}

/**
 * The module with its start function exported as `_start` instead of run at
 * instantiation; undefined when it has no start section. Call it only for a
 * module without a `_start` export (the name would clash).
 */
export function exportStartFunction(module: Uint8Array): Uint8Array | undefined {
  const sections = sectionsOf(module);
  const start = sections.find((s) => s.id === START_SECTION);
  if (!start) return undefined;
  const startFunction = readU32Leb(module, start.payloadStart).value;
  const entry = [...nameBytes(START_EXPORT), EXPORT_KIND_FUNCTION, ...writeU32Leb(startFunction)];
  const exports = sections.find((s) => s.id === EXPORT_SECTION);
  const parts: Uint8Array[] = [module.subarray(0, WASM_HEADER_BYTES)];
  for (const section of sections) {
    if (section.id === EXPORT_SECTION) {
      const count = readU32Leb(module, section.payloadStart);
      const entries = module.subarray(count.next, section.end);
      parts.push(encodeSection(EXPORT_SECTION, Buffer.concat([Uint8Array.from(writeU32Leb(count.value + 1)), entries, Uint8Array.from(entry)])));
    } else if (section.id === START_SECTION) {
      // The export section comes right before the start section in a module's
      // order: where the start section was is where a new one belongs.
      if (!exports) parts.push(encodeSection(EXPORT_SECTION, [...writeU32Leb(1), ...entry]));
    } else {
      parts.push(module.subarray(section.start, section.end));
    }
  }
  return Buffer.concat(parts);
}
