// Bounds-checked access to a guest's linear memory. Every i32 a guest passes
// arrives as a signed JS number, so pointers and lengths are made unsigned
// first; and the buffer is looked up again on every access because
// `memory.grow` (even while a host call awaits) detaches the old one.
import { HttpAbiError, HttpErrorCode } from './http-error-codes.js';

export class GuestMemory {
  readonly #memory: () => WebAssembly.Memory | undefined;

  constructor(memory: () => WebAssembly.Memory | undefined) {
    this.#memory = memory;
  }

  #buffer(): ArrayBuffer {
    const memory = this.#memory();
    if (!memory) throw new HttpAbiError(HttpErrorCode.MemoryNotFound, 'guest exports no memory');
    return memory.buffer;
  }

  /** A view of [ptr, ptr+len) that stays valid only until the guest runs again. */
  view(ptr: number, len: number): Uint8Array {
    const buffer = this.#buffer();
    const start = ptr >>> 0;
    // A guest's i32 arrives signed and is made unsigned; a length the host
    // computed (an iovec count × 8) may pass 2^32 and must not wrap to a
    // small one (fuzz regression 2).
    const length = len < 0 ? len >>> 0 : len;
    if (start + length > buffer.byteLength) {
      throw new HttpAbiError(
        HttpErrorCode.MemoryAccessError,
        `guest range [${start}, ${start + length}) is outside its ${buffer.byteLength}-byte memory`,
      );
    }
    return new Uint8Array(buffer, start, length);
  }

  /** A copy, for data that must survive an await (memory may grow meanwhile). */
  copy(ptr: number, len: number): Uint8Array {
    return this.view(ptr, len).slice();
  }

  /** Throws unless [ptr, ptr+len) is inside memory now; memory never shrinks, so it stays so. */
  check(ptr: number, len: number): void {
    this.view(ptr, len);
  }

  write(ptr: number, bytes: Uint8Array): void {
    this.view(ptr, bytes.byteLength).set(bytes);
  }

  writeU32(ptr: number, value: number): void {
    const view = this.view(ptr, 4);
    new DataView(view.buffer, view.byteOffset, 4).setUint32(0, value >>> 0, true);
  }

  writeU16(ptr: number, value: number): void {
    const view = this.view(ptr, 2);
    new DataView(view.buffer, view.byteOffset, 2).setUint16(0, value & 0xffff, true);
  }

  readU32(ptr: number): number {
    const view = this.view(ptr, 4);
    return new DataView(view.buffer, view.byteOffset, 4).getUint32(0, true);
  }
}
