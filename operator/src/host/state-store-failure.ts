// The last time the Dapr state API failed the guest: an answer of 5xx (the
// store behind the sidecar failed, e.g. Redis is down) or no answer within
// --request-timeout. A 4xx is the guest's own request (an unknown store name,
// an ETag conflict, a bad body) and keeps its own reason. When the guest then
// fails, the result blames the state store and says what daprd said, instead
// of only "ExitCode". Only error statuses are looked at, so a call that
// succeeds pays one comparison.
//
// The record lives in a SharedArrayBuffer, as the output capture does, so the
// main thread can read it after terminating a guest worker on --timeout.

import type { HostDaprError } from '../api/host-result.js';

/** What the result's `daprError` says (api/host-result.ts). */
export type DaprError = HostDaprError;

export const DAPR_ERROR_MESSAGE_MAX_BYTES = 300;
const ERROR_CODE_MAX_BYTES = 64;
const STORE_MAX_BYTES = 128;
/** Dapr's error bodies are small; a larger one is not parsed. */
const PARSED_BODY_MAX_BYTES = 64 * 1024;

const STATE_PATH = /^\/v1\.0(?:-alpha1)?\/state\/([^/]+)/;

/** The store of a state API request to the sidecar (`/v1.0/state/{store}...`), or undefined for any other request. */
export function stateStoreOf(url: URL, sidecarOrigins: ReadonlySet<string>): string | undefined {
  if (!sidecarOrigins.has(url.origin)) return undefined;
  const match = STATE_PATH.exec(url.pathname);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return match[1]!;
  }
}

/** Control characters out (so JSON escaping at most doubles the size), at most `maxBytes` of UTF-8, never half a character. */
export function clipText(text: string, maxBytes: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  if (Buffer.byteLength(clean, 'utf8') <= maxBytes) return clean;
  const bytes = Buffer.from(clean, 'utf8').subarray(0, maxBytes - 3);
  let end = bytes.byteLength;
  // Back off from the continuation bytes of a character the cut split.
  while (end > 0 && (bytes[end - 1]! & 0xc0) === 0x80) end--;
  if (end > 0 && bytes[end - 1]! >= 0xc0) end--;
  return `${bytes.subarray(0, end).toString('utf8')}...`;
}

function parseDaprBody(body: Uint8Array): { errorCode?: string; message?: string } | undefined {
  if (body.byteLength === 0 || body.byteLength > PARSED_BODY_MAX_BYTES) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const { errorCode, message } = value as Record<string, unknown>;
    return { ...(typeof errorCode === 'string' && { errorCode }), ...(typeof message === 'string' && { message }) };
  } catch {
    return undefined;
  }
}

/** The failure an error answer of the state API is (status >= 500), or undefined for any other status. */
export function daprErrorFromAnswer(store: string, status: number, body: Uint8Array): DaprError | undefined {
  if (status < 500) return undefined;
  const parsed = parseDaprBody(body);
  const errorCode = parsed?.errorCode ?? '';
  const text = parsed?.message ?? Buffer.from(body.subarray(0, DAPR_ERROR_MESSAGE_MAX_BYTES * 2)).toString('utf8');
  return {
    status,
    errorCode: clipText(errorCode, ERROR_CODE_MAX_BYTES),
    message: clipText(text || `daprd answered ${status}`, DAPR_ERROR_MESSAGE_MAX_BYTES),
    store: clipText(store, STORE_MAX_BYTES),
  };
}

export function daprErrorFromTimeout(store: string, timeoutMs: number): DaprError {
  return {
    status: 0,
    errorCode: '',
    message: `no answer from the Dapr sidecar within ${timeoutMs} ms (--request-timeout)`,
    store: clipText(store, STORE_MAX_BYTES),
  };
}

/** Whether a request failed on the host's time limit (AbortSignal.timeout), the cause of its HttpAbiError. */
export function isTimeoutError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
}

const LENGTH_OFFSET = 0; // Int32: bytes of JSON that follow; 0 = none
const DATA_OFFSET = 8;
const DATA_BYTES = 2048;

/** Structured-cloneable, so it can be handed to a worker. */
export interface DaprErrorState {
  readonly shared: SharedArrayBuffer;
}

export class DaprErrorRecord {
  readonly state: DaprErrorState;
  readonly #length: Int32Array;
  readonly #data: Uint8Array;

  static create(): DaprErrorRecord {
    return new DaprErrorRecord({ shared: new SharedArrayBuffer(DATA_OFFSET + DATA_BYTES) });
  }

  /** Another thread's view of the same record. */
  static attach(state: DaprErrorState): DaprErrorRecord {
    return new DaprErrorRecord(state);
  }

  private constructor(state: DaprErrorState) {
    this.state = state;
    this.#length = new Int32Array(state.shared, LENGTH_OFFSET, 1);
    this.#data = new Uint8Array(state.shared, DATA_OFFSET, DATA_BYTES);
  }

  /** Keeps `error` as the last failure. A worker terminated mid-write leaves none rather than a torn one. */
  record(error: DaprError): void {
    const bytes = Buffer.from(JSON.stringify(error), 'utf8');
    if (bytes.byteLength > DATA_BYTES) return; // cannot happen with clipped fields
    Atomics.store(this.#length, 0, 0);
    this.#data.set(bytes);
    Atomics.store(this.#length, 0, bytes.byteLength);
  }

  last(): DaprError | undefined {
    const length = Atomics.load(this.#length, 0);
    if (length <= 0) return undefined;
    try {
      return JSON.parse(Buffer.from(this.#data.slice(0, length)).toString('utf8')) as DaprError;
    } catch {
      return undefined;
    }
  }
}
