// A guest made of nothing but trampolines: for each import it is given, an
// export `call_<name>` with the same signature that passes its arguments
// straight on, plus `grow(pages)` (memory.grow) and its own memory. The
// fuzzer calls the host's imports through it, so every call crosses the
// wasm → JS boundary exactly as a compiled guest's does (i32 arguments arrive
// signed, `req` suspends through JSPI).
export type WasmType = 'i32' | 'i64';

export interface TrampolineImport {
  readonly module: string;
  readonly name: string;
  readonly params: readonly WasmType[];
}

const TYPE_CODE: Record<WasmType, number> = { i32: 0x7f, i64: 0x7e };

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

function vector(items: number[][]): number[] {
  return [...leb(items.length), ...items.flat()];
}

/** Every import returns one i32 (WASI errno, HTTP ABI code). */
export function trampolineModule(imports: readonly TrampolineImport[], memory: { initialPages: number; maximumPages: number }): Uint8Array {
  const types = imports.map((i) => [0x60, ...leb(i.params.length), ...i.params.map((p) => TYPE_CODE[p]), 0x01, 0x7f]);
  const growType = [0x60, 0x01, 0x7f, 0x01, 0x7f];
  const importEntries = imports.map((imp, index) => [...name(imp.module), ...name(imp.name), 0x00, ...leb(index)]);
  // Function i (after the imports) trampolines import i; the last one grows memory.
  const functions = [...imports.map((_, index) => leb(index)), leb(imports.length)];
  const exports = [
    [...name('memory'), 0x02, 0x00],
    ...imports.map((imp, index) => [...name(`call_${imp.name}`), 0x00, ...leb(imports.length + index)]),
    [...name('grow'), 0x00, ...leb(imports.length * 2)],
  ];
  const bodies = [
    ...imports.map((imp, index) => {
      const code = [0x00, ...imp.params.flatMap((_, p) => [0x20, ...leb(p)]), 0x10, ...leb(index), 0x0b];
      return [...leb(code.length), ...code];
    }),
    (() => {
      const code = [0x00, 0x20, 0x00, 0x40, 0x00, 0x0b];
      return [...leb(code.length), ...code];
    })(),
  ];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector([...types, growType])),
    ...section(2, vector(importEntries)),
    ...section(3, vector(functions)),
    ...section(5, [0x01, 0x01, ...leb(memory.initialPages), ...leb(memory.maximumPages)]),
    ...section(7, vector(exports)),
    ...section(10, vector(bodies)),
  ]);
}
