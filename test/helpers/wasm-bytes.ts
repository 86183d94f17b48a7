// Tiny hand-assembled WebAssembly modules, for host tests that need a module
// no compiler would produce on purpose (a missing export, a foreign import,
// a huge initial memory).
//
//   writeFileSync(path, commandModule({ memoryPages: 100 }));
//   writeFileSync(path, commandModule({ imports: [['env', 'sleep']] }));

import { readU32Leb } from '../../operator/src/host/module-sections.js';

export interface CommandModuleOptions {
  /** Initial pages of the exported memory (default 1). */
  memoryPages?: number;
  /** Function imports of type () -> (), as [module, name]. */
  imports?: Array<[string, string]>;
  /** Leave out the `_start` export. */
  withoutStart?: boolean;
  /** Leave out the `memory` export. */
  withoutMemoryExport?: boolean;
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

function name(text: string): number[] {
  const bytes = [...Buffer.from(text, 'utf8')];
  return [...leb(bytes.length), ...bytes];
}

function section(id: number, payload: number[]): number[] {
  return [id, ...leb(payload.length), ...payload];
}

/** A module with an empty `_start` and an exported memory, unless told otherwise. */
export function commandModule(options: CommandModuleOptions = {}): Uint8Array {
  const imports = options.imports ?? [];
  const exports: number[][] = [];
  if (!options.withoutStart) exports.push([...name('_start'), 0x00, ...leb(imports.length)]);
  if (!options.withoutMemoryExport) exports.push([...name('memory'), 0x02, 0x00]);
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x00, 0x00]),
    ...(imports.length > 0 ? section(2, [...leb(imports.length), ...imports.flatMap(([m, n]) => [...name(m), ...name(n), 0x00, 0x00])]) : []),
    ...section(3, [0x01, 0x00]),
    ...section(5, [0x01, 0x00, ...leb(options.memoryPages ?? 1)]),
    ...section(7, [...leb(exports.length), ...exports.flat()]),
    ...section(10, [0x01, 0x02, 0x00, 0x0b]),
  ]);
}

export interface FunctionSpec {
  /** Exported under this name; unexported without it. */
  export?: string;
  /** i32 parameters. */
  params?: number;
  /** Returns one i32. */
  result?: boolean;
  /** The body's instructions, without locals or the final `end` (default: none). */
  body?: number[];
}

export interface ModuleSpec {
  functions: FunctionSpec[];
  /** Index of the function the start section names. */
  start?: number;
  /** Function imports of type () -> (), as [module, name], before the functions. */
  imports?: Array<[string, string]>;
}

/**
 * A module with the given functions (each of its own type), an exported
 * memory and optionally a start section: for entry-point tests.
 * Opcodes: 0x00 unreachable, 0x41 N i32.const, 0x10 N call.
 */
export function moduleWith(spec: ModuleSpec): Uint8Array {
  const imports = spec.imports ?? [];
  const types = [[0x60, 0x00, 0x00], ...spec.functions.map((f) => [0x60, ...leb(f.params ?? 0), ...Array(f.params ?? 0).fill(0x7f), ...(f.result ? [0x01, 0x7f] : [0x00])])];
  const exports = [
    [...name('memory'), 0x02, 0x00],
    ...spec.functions.flatMap((f, i) => (f.export ? [[...name(f.export), 0x00, ...leb(imports.length + i)]] : [])),
  ];
  const bodies = spec.functions.map((f) => {
    const code = [0x00, ...(f.body ?? []), 0x0b];
    return [...leb(code.length), ...code];
  });
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [...leb(types.length), ...types.flat()]),
    ...(imports.length > 0 ? section(2, [...leb(imports.length), ...imports.flatMap(([m, n]) => [...name(m), ...name(n), 0x00, 0x00])]) : []),
    ...section(3, [...leb(spec.functions.length), ...spec.functions.map((_, i) => i + 1)]),
    ...section(5, [0x01, 0x00, 0x01]),
    ...section(7, [...leb(exports.length), ...exports.flat()]),
    ...(spec.start !== undefined ? section(8, leb(imports.length + spec.start)) : []),
    ...section(10, [...leb(bodies.length), ...bodies.flat()]),
  ]);
}

/**
 * A command module reshaped as older AssemblyScript (0.18 with as-wasi) and
 * other toolchains build it: the `_start` export removed, its function named
 * by a start section instead. The code is unchanged.
 */
export function asStartSectionModule(module: Uint8Array): Uint8Array {
  const out: number[] = [...module.subarray(0, 8)];
  let startFunction: number | undefined;
  let offset = 8;
  while (offset < module.byteLength) {
    const id = module[offset]!;
    const size = readU32Leb(module, offset + 1);
    const end = size.next + size.value;
    if (id === 7) {
      const count = readU32Leb(module, size.next);
      const kept: number[][] = [];
      let position = count.next;
      for (let i = 0; i < count.value; i++) {
        const nameLength = readU32Leb(module, position);
        const entryName = Buffer.from(module.subarray(nameLength.next, nameLength.next + nameLength.value)).toString('utf8');
        const kind = module[nameLength.next + nameLength.value]!;
        const index = readU32Leb(module, nameLength.next + nameLength.value + 1);
        if (entryName === '_start' && kind === 0x00) startFunction = index.value;
        else kept.push([...module.subarray(position, index.next)]);
        position = index.next;
      }
      if (startFunction === undefined) throw new Error('the module exports no _start function');
      out.push(...section(7, [...leb(kept.length), ...kept.flat()]));
      // The start section follows the export section.
      out.push(...section(8, leb(startFunction)));
    } else {
      out.push(...module.subarray(offset, end));
    }
    offset = end;
  }
  return Uint8Array.from(out);
}
