// A module that runs in its start section is rewritten so the same function
// is its `_start` export instead, run by the host like any command's.
import { describe, expect, test } from '@jest/globals';
import { exportStartFunction } from '../../operator/src/host/start-section.js';
import { moduleWith } from '../helpers/wasm-bytes.js';

const exportsOf = (bytes: Uint8Array) => WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => `${e.kind}:${e.name}`);

describe('exportStartFunction', () => {
  test('moves the start function to a `_start` export: it no longer runs at instantiation', () => {
    // The start function traps: instantiating the original fails, the rewritten one does not until _start is called.
    const original = moduleWith({ functions: [{ body: [0x00] }, { export: 'get', body: [] }], start: 0 });
    expect(() => new WebAssembly.Instance(new WebAssembly.Module(original))).toThrow(WebAssembly.RuntimeError);
    const moved = exportStartFunction(original)!;
    expect(exportsOf(moved)).toEqual(['memory:memory', 'function:get', 'function:_start']);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(moved));
    expect(() => (instance.exports._start as () => void)()).toThrow(WebAssembly.RuntimeError);
  });

  test('counts imported functions in the start index', () => {
    const original = moduleWith({ imports: [['env', 'hook']], functions: [{ body: [0x10, 0x00] }], start: 0 });
    const moved = exportStartFunction(original)!;
    let called = 0;
    const instance = new WebAssembly.Instance(new WebAssembly.Module(moved), { env: { hook: () => void called++ } });
    expect(called).toBe(0);
    (instance.exports._start as () => void)();
    expect(called).toBe(1);
  });

  test('leaves a module without a start section alone', () => {
    expect(exportStartFunction(moduleWith({ functions: [{ export: '_start', body: [] }] }))).toBeUndefined();
  });
});
