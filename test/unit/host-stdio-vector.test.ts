// Fuzz regression 2 (test/fuzz/README.md): the host's own fd_write for
// stdout and stderr checked its iovec array as `count × 8` bytes through
// GuestMemory, which made every length a u32, so for a count of 2^31 the
// 2^34 bytes wrapped to 0 and passed: the first iovecs were written to the
// host's stderr before the call failed with FAULT. Lengths the host computes
// now keep their size, and such a call writes nothing.
import { GuestMemory } from '../../operator/src/host/guest-memory.js';
import { HttpAbiError, HttpErrorCode } from '../../operator/src/host/http-error-codes.js';
import { OutputCapture } from '../../operator/src/host/output-capture.js';
import { passStdioThrough } from '../../operator/src/host/stdio-passthrough.js';

const WASI_EFAULT = 21;

function setUp(): { fdWrite: (fd: number, iovs: number, count: number, nwritten: number) => number; capture: OutputCapture } {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const view = new DataView(memory.buffer);
  view.setUint32(0, 16, true); // iovec 0: one byte at 16
  view.setUint32(4, 1, true);
  const imports: WebAssembly.ModuleImports = { fd_write: () => 0 };
  const capture = OutputCapture.create(undefined);
  passStdioThrough(imports, new GuestMemory(() => memory), capture);
  return { fdWrite: imports.fd_write as (fd: number, iovs: number, count: number, nwritten: number) => number, capture };
}

test.each([[2 ** 31], [2 ** 29 + 1], [-(2 ** 31)]])('fd_write to stderr with %i iovecs is FAULT and writes nothing', (count) => {
  const { fdWrite, capture } = setUp();
  expect(fdWrite(2, 0, count, 1024)).toBe(WASI_EFAULT);
  expect(capture.totalBytes).toBe(0);
});

test('a length past 4 GiB is outside memory, not a small length after wrapping', () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const guest = new GuestMemory(() => memory);
  expect(() => guest.check(0, 2 ** 34)).toThrow(expect.objectContaining({ abiCode: HttpErrorCode.MemoryAccessError }) as HttpAbiError);
  expect(() => guest.check(0, 2 ** 32 + 8)).toThrow(HttpAbiError);
  // A guest's own i32, negative as JS sees it, is still read as unsigned.
  expect(() => guest.check(0, -1)).toThrow(HttpAbiError);
  expect(() => guest.check(0, 16)).not.toThrow();
});
