// Tiny hand-assembled WebAssembly modules, for host tests that need a module
// no compiler would produce on purpose (a missing export, a foreign import,
// a huge initial memory).
//
//   writeFileSync(path, commandModule({ memoryPages: 100 }));
//   writeFileSync(path, commandModule({ imports: [['env', 'sleep']] }));

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
