// Fuzz regression 1 (test/fuzz/README.md): node:wasi bounds-checks a vector
// as ptr + count × size in 32-bit arithmetic, so fd_write(fd, 0, 2^31, …)
// (2^31 × 8 wraps to 0) passed its check and its allocation of 2^31 iovecs
// aborted the whole host with std::bad_alloc: no trap, no result file. The
// host now answers EOVERFLOW before node:wasi sees such a call. The native
// calls here are stand-ins that record whether they were reached: the real
// one would try to allocate tens of GiB.
import { GuestMemory } from '../../operator/src/host/guest-memory.js';
import { guardVectorCounts } from '../../operator/src/host/vector-guard.js';

const WASI_EOVERFLOW = 61;

function guarded(names: string[]): { imports: Record<string, (...args: unknown[]) => unknown>; reached: string[] } {
  const reached: string[] = [];
  const imports: Record<string, (...args: unknown[]) => unknown> = {};
  for (const name of names) imports[name] = () => (reached.push(name), 0);
  const memory = new WebAssembly.Memory({ initial: 1 });
  guardVectorCounts(imports as unknown as WebAssembly.ModuleImports, new GuestMemory(() => memory));
  return { imports, reached };
}

test.each([['fd_read'], ['fd_write'], ['fd_pread'], ['fd_pwrite'], ['sock_recv'], ['sock_send']])(
  '%s with 2^31 iovecs (a count whose byte size wraps to 0) is EOVERFLOW and never reaches node:wasi',
  (name) => {
    const { imports, reached } = guarded([name]);
    // As a guest passes it: the i32 2^31 arrives as a negative number, then made unsigned by the host.
    expect(imports[name]!(9, 0, 2 ** 31, 0n, 16, 0)).toBe(WASI_EOVERFLOW);
    expect(imports[name]!(9, 0, 2 ** 29 + 1, 0n, 16, 0)).toBe(WASI_EOVERFLOW);
    expect(imports[name]!(9, 0, -(2 ** 31), 0n, 16, 0)).toBe(WASI_EOVERFLOW);
    expect(reached).toEqual([]);
  },
);

test('poll_oneoff with a subscription count whose byte size wraps is EOVERFLOW', () => {
  const { imports, reached } = guarded(['poll_oneoff']);
  expect(imports.poll_oneoff!(0, 0, 2 ** 28, 64)).toBe(WASI_EOVERFLOW);
  expect(reached).toEqual([]);
});

test('a vector inside memory is passed on to node:wasi untouched', () => {
  const { imports, reached } = guarded(['fd_write', 'poll_oneoff']);
  expect(imports.fd_write!(9, 1024, 4, 16)).toBe(0);
  expect(imports.fd_write!(9, 65536 - 8, 1, 16)).toBe(0);
  expect(imports.poll_oneoff!(0, 4096, 10, 64)).toBe(0);
  expect(reached).toEqual(['fd_write', 'fd_write', 'poll_oneoff']);
});

test('a vector running one byte past the end of memory is EOVERFLOW, as node:wasi answers it', () => {
  const { imports, reached } = guarded(['fd_read']);
  expect(imports.fd_read!(9, 65536 - 8, 2, 16)).toBe(WASI_EOVERFLOW);
  expect(reached).toEqual([]);
});
