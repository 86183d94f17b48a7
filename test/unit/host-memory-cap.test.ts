import { capModuleMemory, capPagesFor } from '../../operator/src/host/memory-cap.js';

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const EXPORT_MEMORY = [0x07, 0x0a, 0x01, 0x06, ...Buffer.from('memory'), 0x02, 0x00];

/** A module that defines one memory with the given limits and exports it. */
function moduleWithMemory(min: number, max?: number): Uint8Array {
  const limits = max === undefined ? [0x00, min] : [0x01, min, max];
  return Uint8Array.from([...HEADER, 0x05, 1 + limits.length, 0x01, ...limits, ...EXPORT_MEMORY]);
}

async function memoryOf(bytes: Uint8Array): Promise<WebAssembly.Memory> {
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(bytes));
  return instance.exports.memory as WebAssembly.Memory;
}

describe('memory cap', () => {
  test('capPagesFor turns MiB into 64 KiB pages', () => {
    expect(capPagesFor(1)).toBe(16);
    expect(capPagesFor(64)).toBe(1024);
    expect(capPagesFor(4096)).toBe(65536);
  });

  test('growth up to the cap works and beyond it fails', async () => {
    const memory = await memoryOf(capModuleMemory(moduleWithMemory(1), 4));
    expect(memory.grow(3)).toBe(1);
    expect(() => memory.grow(1)).toThrow(RangeError);
  });

  test('a module with a lower maximum of its own keeps it', async () => {
    const memory = await memoryOf(capModuleMemory(moduleWithMemory(1, 2), 100));
    expect(memory.grow(1)).toBe(1);
    expect(() => memory.grow(1)).toThrow(RangeError);
  });

  test('a module with a higher maximum gets the cap', async () => {
    const memory = await memoryOf(capModuleMemory(moduleWithMemory(1, 100), 2));
    expect(memory.grow(1)).toBe(1);
    expect(() => memory.grow(1)).toThrow(RangeError);
  });

  test('LEB128 limits of several bytes survive the rewrite', async () => {
    // min 1 page; cap of 300 pages needs a two-byte LEB128.
    const memory = await memoryOf(capModuleMemory(moduleWithMemory(1), 300));
    expect(memory.grow(299)).toBe(1);
    expect(() => memory.grow(1)).toThrow(RangeError);
  });

  test('a module needing more initial memory than the cap is a MemoryLimit error saying what to raise', () => {
    expect(() => capModuleMemory(moduleWithMemory(20), 16)).toThrow(
      expect.objectContaining({ code: 'ERR_HOST_MEMORY_LIMIT', message: expect.stringContaining('raise --max-memory-mb') }),
    );
  });

  test('a truncated module is an InvalidModule error', () => {
    expect(() => capModuleMemory(moduleWithMemory(1).subarray(0, 11), 16)).toThrow(expect.objectContaining({ code: 'ERR_HOST_INVALID_MODULE' }));
  });

  test('a module without a memory section is left as it was', () => {
    const bytes = Uint8Array.from(HEADER);
    expect([...capModuleMemory(bytes, 16)]).toEqual(HEADER);
  });
});
