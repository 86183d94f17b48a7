// Keeps what the result needs from the guest's output, and nothing more: the
// last few KiB (the result's `output`) and whether --success-output appeared
// anywhere in the stream. It lives in a SharedArrayBuffer so that the main
// thread can still read it after terminating a guest worker on timeout.

/** More raw bytes than can ever fit in the 4096-byte result. */
export const OUTPUT_TAIL_BYTES = 4096;

const TOTAL_OFFSET = 0; // Float64: bytes seen so far
const FLAGS_OFFSET = 8; // Int32: bit 0 = success output seen
const RING_OFFSET = 16;
const SUCCESS_SEEN = 1;

/** Structured-cloneable, so it can be handed to a worker. */
export interface OutputCaptureState {
  readonly shared: SharedArrayBuffer;
  readonly successOutput: string | undefined;
}

/** Finds a byte pattern in a stream that arrives in arbitrary chunks. */
class StreamMatcher {
  readonly #needle: Buffer;
  #carry: Buffer = Buffer.alloc(0);

  constructor(needle: Buffer) {
    this.#needle = needle;
  }

  feed(chunk: Uint8Array): boolean {
    const keep = this.#needle.byteLength - 1;
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    // Only the seam needs a copy: the carried tail plus the chunk's first bytes.
    const seam = Buffer.concat([this.#carry, bytes.subarray(0, keep)]);
    if (seam.includes(this.#needle) || bytes.includes(this.#needle)) return true;
    const joined = bytes.byteLength >= keep ? bytes.subarray(bytes.byteLength - keep) : Buffer.concat([this.#carry, bytes]);
    this.#carry = Buffer.from(joined.subarray(Math.max(0, joined.byteLength - keep)));
    return false;
  }
}

export class OutputCapture {
  readonly state: OutputCaptureState;
  readonly #total: Float64Array;
  readonly #flags: Int32Array;
  readonly #ring: Uint8Array;
  readonly #matchers = new Map<number, StreamMatcher>();
  readonly #needle: Buffer | undefined;

  static create(successOutput: string | undefined): OutputCapture {
    return new OutputCapture({ shared: new SharedArrayBuffer(RING_OFFSET + OUTPUT_TAIL_BYTES), successOutput });
  }

  /** Another thread's view of the same capture. */
  static attach(state: OutputCaptureState): OutputCapture {
    return new OutputCapture(state);
  }

  private constructor(state: OutputCaptureState) {
    this.state = state;
    this.#total = new Float64Array(state.shared, TOTAL_OFFSET, 1);
    this.#flags = new Int32Array(state.shared, FLAGS_OFFSET, 1);
    this.#ring = new Uint8Array(state.shared, RING_OFFSET, OUTPUT_TAIL_BYTES);
    this.#needle = state.successOutput ? Buffer.from(state.successOutput, 'utf8') : undefined;
  }

  get totalBytes(): number {
    return this.#total[0]!;
  }

  get successSeen(): boolean {
    return (this.#flags[0]! & SUCCESS_SEEN) !== 0;
  }

  /** Records bytes the guest wrote to `stream` (1 or 2); the bytes are not kept beyond the tail. */
  record(stream: number, bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return;
    this.#searchSuccess(stream, bytes);
    const size = OUTPUT_TAIL_BYTES;
    const total = this.#total[0]!;
    const src = bytes.byteLength > size ? bytes.subarray(bytes.byteLength - size) : bytes;
    const skipped = bytes.byteLength - src.byteLength;
    const position = (total + skipped) % size;
    const first = Math.min(src.byteLength, size - position);
    this.#ring.set(src.subarray(0, first), position);
    if (first < src.byteLength) this.#ring.set(src.subarray(first), 0);
    this.#total[0] = total + bytes.byteLength;
  }

  /** The last bytes written (at most OUTPUT_TAIL_BYTES), oldest first. */
  tail(): Uint8Array {
    const size = OUTPUT_TAIL_BYTES;
    const total = this.totalBytes;
    if (total <= size) return this.#ring.slice(0, total);
    const position = total % size;
    const out = new Uint8Array(size);
    out.set(this.#ring.subarray(position), 0);
    out.set(this.#ring.subarray(0, position), size - position);
    return out;
  }

  #searchSuccess(stream: number, bytes: Uint8Array): void {
    if (!this.#needle || this.successSeen) return;
    let matcher = this.#matchers.get(stream);
    if (!matcher) {
      matcher = new StreamMatcher(this.#needle);
      this.#matchers.set(stream, matcher);
    }
    if (matcher.feed(bytes)) this.#flags[0] = this.#flags[0]! | SUCCESS_SEEN;
  }
}
