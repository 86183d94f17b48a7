// Guest stdout and stderr go straight to the host's fds 1 and 2, as written
// and in order, while the output capture sees each chunk on the way. We wrap
// WASI's fd_write for those two fds instead of giving the guest pipes, so a
// 100 MB flood costs no buffering: each write goes from guest memory to the
// fd with a synchronous write, which also gives the guest back-pressure.
import { writeSync } from 'node:fs';
import type { GuestMemory } from './guest-memory.js';
import { HttpAbiError } from './http-error-codes.js';
import type { OutputCapture } from './output-capture.js';

// WASI preview1 errno values.
const ERRNO_SUCCESS = 0;
const ERRNO_FAULT = 21;
const ERRNO_IO = 29;
const ERRNO_PIPE = 64;

const IOVEC_BYTES = 8;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

function writeFully(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.byteLength) {
    try {
      offset += writeSync(fd, bytes, offset, bytes.byteLength - offset);
    } catch (err) {
      // stdio may be a non-blocking pipe or tty shared with another process.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(sleeper, 0, 0, 1);
    }
  }
}

type FdWrite = (fd: number, iovs: number, iovsLen: number, nwrittenPtr: number) => number;

export function passStdioThrough(wasiImports: WebAssembly.ModuleImports, memory: GuestMemory, capture: OutputCapture): void {
  const original = wasiImports.fd_write as FdWrite;
  wasiImports.fd_write = (fd: number, iovs: number, iovsLen: number, nwrittenPtr: number): number => {
    if (fd !== 1 && fd !== 2) return original(fd, iovs, iovsLen, nwrittenPtr);
    try {
      const count = iovsLen >>> 0;
      memory.check(iovs, count * IOVEC_BYTES);
      memory.check(nwrittenPtr, 4);
      let written = 0;
      for (let i = 0; i < count; i++) {
        const entry = (iovs >>> 0) + i * IOVEC_BYTES;
        const chunk = memory.view(memory.readU32(entry), memory.readU32(entry + 4));
        writeFully(fd, chunk);
        capture.record(fd, chunk);
        written += chunk.byteLength;
      }
      memory.writeU32(nwrittenPtr, written);
      return ERRNO_SUCCESS;
    } catch (err) {
      if (err instanceof HttpAbiError) return ERRNO_FAULT;
      return (err as NodeJS.ErrnoException).code === 'EPIPE' ? ERRNO_PIPE : ERRNO_IO;
    }
  };
}
