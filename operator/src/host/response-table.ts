// Open responses by handle. The limit counts open (unclosed) handles, so a
// guest that closes what it reads can make any number of requests.
export interface StoredResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
  /** How much of the body `body_read` has handed out. */
  offset: number;
}

export class ResponseTable {
  readonly #open = new Map<number, StoredResponse>();
  readonly #limit: number;
  #next = 1;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get isFull(): boolean {
    return this.#open.size >= this.#limit;
  }

  /** Returns the new handle, or undefined when the limit is reached. */
  add(response: StoredResponse): number | undefined {
    if (this.isFull) return undefined;
    // Handles are u32 and never reused while open; 0 is never handed out.
    while (this.#next === 0 || this.#open.has(this.#next)) this.#next = (this.#next + 1) >>> 0;
    const handle = this.#next;
    this.#next = (this.#next + 1) >>> 0;
    this.#open.set(handle, response);
    return handle;
  }

  get(handle: number): StoredResponse | undefined {
    return this.#open.get(handle >>> 0);
  }

  delete(handle: number): boolean {
    return this.#open.delete(handle >>> 0);
  }
}
