// The host's wrappers around node:wasi's native preview1 functions pass every
// i32 on as the u32 WASI says it is: a guest argument of 2^31 or more gets the
// errno plain node:wasi gives it, not EINVAL.
import { describe, expect, test } from '@jest/globals';
import { loadWasi } from '../../operator/src/host/load-wasi.js';
import { wrapNativeImports } from '../../operator/src/host/run-guest.js';

const WASI_EBADF = 8;
const WASI_EINVAL = 28;

type Native = Record<string, (...args: unknown[]) => number>;

function bound(): { native: Native; wrapped: Native } {
  const { WASI } = loadWasi();
  const wasi = new WASI({ version: 'preview1', returnOnExit: true });
  const native = (wasi.getImportObject() as { wasi_snapshot_preview1: Native }).wasi_snapshot_preview1;
  wasi.finalizeBindings({ exports: { memory: new WebAssembly.Memory({ initial: 1 }) } } as unknown as WebAssembly.Instance);
  return { native, wrapped: wrapNativeImports(native as unknown as WebAssembly.ModuleImports) as unknown as Native };
}

describe('wrapNativeImports', () => {
  test('a bad fd of 2^31 or more, as a guest passes it (a negative i32), is BADF as in plain node:wasi', () => {
    const { native, wrapped } = bound();
    // What a wasm caller of node:wasi gets: the value as unsigned.
    expect(native.fd_write!(4294935959, 0, 0, 16)).toBe(WASI_EBADF);
    // What JS hands over for that i32 without the conversion: EINVAL (the bug this guards against).
    expect(native.fd_write!(-31337, 0, 0, 16)).toBe(WASI_EINVAL);
    expect(wrapped.fd_write!(-31337, 0, 0, 16)).toBe(WASI_EBADF);
    expect(wrapped.fd_close!(-5)).toBe(WASI_EBADF);
  });

  test('BigInt arguments (64-bit values) pass through unchanged', () => {
    const { wrapped } = bound();
    // fd_seek(fd, offset: i64, whence, newOffsetPtr) on a bad fd: BADF, not a TypeError.
    expect(wrapped.fd_seek!(-5, 0n, 0, 16)).toBe(WASI_EBADF);
  });
});
