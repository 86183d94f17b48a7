// node:wasi checks a vector argument (fd_read's iovecs, poll_oneoff's
// subscriptions) against guest memory as `ptr + count * size` in 32-bit
// arithmetic, and allocates `count` entries before reading them. A count
// whose product wraps (fd_write(fd, 0, 2^31, …): 2^31 × 8 ≡ 0) passes the
// check, and the allocation then takes the whole host process down with
// std::bad_alloc (no trap, no result file), or, where it fits, reads the
// entries past the end of guest memory. The host checks the whole vector in
// full precision first and answers EOVERFLOW, the errno node:wasi itself
// gives a vector outside memory. fds 1 and 2 never reach node:wasi
// (stdio-passthrough.ts checks its own ranges).
import type { GuestMemory } from './guest-memory.js';

const WASI_EOVERFLOW = 61;
const MAX_U32 = 0xffffffff;

/** Which argument is the vector's pointer, which its count, and each entry's size (WASI preview1 layouts). */
const VECTOR_ARGUMENTS: Record<string, ReadonlyArray<{ ptr: number; count: number; size: number }>> = {
  fd_read: [{ ptr: 1, count: 2, size: 8 }],
  fd_write: [{ ptr: 1, count: 2, size: 8 }],
  fd_pread: [{ ptr: 1, count: 2, size: 8 }],
  fd_pwrite: [{ ptr: 1, count: 2, size: 8 }],
  sock_recv: [{ ptr: 1, count: 2, size: 8 }],
  sock_send: [{ ptr: 1, count: 2, size: 8 }],
  // poll_oneoff(in, out, nsubscriptions, nevents): 48-byte subscriptions in, 32-byte events out.
  poll_oneoff: [{ ptr: 0, count: 2, size: 48 }, { ptr: 1, count: 2, size: 32 }],
};

type WasiCall = (...args: unknown[]) => unknown;

/** Wraps the WASI imports in place so that no vector outside guest memory reaches node:wasi. */
export function guardVectorCounts(imports: WebAssembly.ModuleImports, memory: Pick<GuestMemory, 'check'>): void {
  for (const [name, vectors] of Object.entries(VECTOR_ARGUMENTS)) {
    const call = imports[name] as WasiCall | undefined;
    if (typeof call !== 'function') continue;
    imports[name] = (...args: unknown[]) => {
      for (const { ptr, count, size } of vectors) {
        const bytes = ((args[count] as number) >>> 0) * size; // a double: cannot wrap
        // Past 4 GiB is past any wasm32 memory.
        if (bytes > MAX_U32) return WASI_EOVERFLOW;
        try {
          memory.check(args[ptr] as number, bytes);
        } catch {
          return WASI_EOVERFLOW;
        }
      }
      return call(...args);
    };
  }
}
