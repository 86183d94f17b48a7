// Error codes of the `wasi_experimental_http` ABI (deislabs v0.10), returned
// as i32 by every host function. Guests depend on the numbers.
export const HttpErrorCode = {
  Success: 0,
  InvalidHandle: 1,
  MemoryNotFound: 2,
  MemoryAccessError: 3,
  BufferTooSmall: 4,
  HeaderNotFound: 5,
  Utf8Error: 6,
  DestinationNotAllowed: 7,
  InvalidMethod: 8,
  InvalidEncoding: 9,
  InvalidUrl: 10,
  RequestError: 11,
  RuntimeError: 12,
  TooManySessions: 13,
} as const;

export type HttpErrorCode = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];

/** Thrown inside the host functions and turned into the code at the ABI edge. */
export class HttpAbiError extends Error {
  readonly abiCode: HttpErrorCode;

  constructor(abiCode: HttpErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.abiCode = abiCode;
    this.name = 'HttpAbiError';
  }
}
