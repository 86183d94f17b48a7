// The raw `wasi_experimental_http` import module (deislabs v0.10 ABI, see
// DESIGN.md). Every parameter is an i32 and every function returns an error
// code (see HttpErrorCode). Guests normally use the RequestBuilder in http.ts;
// these declarations are exported so test guests can pass deliberately bad
// pointers and handles.

// @ts-ignore: decorator
@external("wasi_experimental_http", "req")
export declare function req(
  urlPtr: i32, urlLen: i32,
  methodPtr: i32, methodLen: i32,
  headersPtr: i32, headersLen: i32,
  bodyPtr: i32, bodyLen: i32,
  statusCodePtr: i32, // out: u16
  resHandlePtr: i32,  // out: u32
): i32;

// @ts-ignore: decorator
@external("wasi_experimental_http", "close")
export declare function close(handle: i32): i32;

// @ts-ignore: decorator
@external("wasi_experimental_http", "body_read")
export declare function body_read(
  handle: i32,
  bufPtr: i32, bufLen: i32,
  readPtr: i32, // out: u32, 0 = end of body
): i32;

// @ts-ignore: decorator
@external("wasi_experimental_http", "header_get")
export declare function header_get(
  handle: i32,
  namePtr: i32, nameLen: i32,
  valuePtr: i32, valueLen: i32,
  writtenPtr: i32, // out: u32
): i32;

// @ts-ignore: decorator
@external("wasi_experimental_http", "headers_get_all")
export declare function headers_get_all(
  handle: i32,
  bufPtr: i32, bufLen: i32,
  writtenPtr: i32, // out: u32; the buffer holds `name:value\n` per header
): i32;

export enum HttpErrorCode {
  Success = 0,
  InvalidHandle = 1,
  MemoryNotFound = 2,
  MemoryAccessError = 3,
  BufferTooSmall = 4,
  HeaderNotFound = 5,
  Utf8Error = 6,
  DestinationNotAllowed = 7,
  InvalidMethod = 8,
  InvalidEncoding = 9,
  InvalidUrl = 10,
  RequestError = 11,
  RuntimeError = 12,
  TooManySessions = 13,
}

export function httpErrorName(code: i32): string {
  switch (code) {
    case HttpErrorCode.Success: return "Success";
    case HttpErrorCode.InvalidHandle: return "InvalidHandle";
    case HttpErrorCode.MemoryNotFound: return "MemoryNotFound";
    case HttpErrorCode.MemoryAccessError: return "MemoryAccessError";
    case HttpErrorCode.BufferTooSmall: return "BufferTooSmall";
    case HttpErrorCode.HeaderNotFound: return "HeaderNotFound";
    case HttpErrorCode.Utf8Error: return "Utf8Error";
    case HttpErrorCode.DestinationNotAllowed: return "DestinationNotAllowed";
    case HttpErrorCode.InvalidMethod: return "InvalidMethod";
    case HttpErrorCode.InvalidEncoding: return "InvalidEncoding";
    case HttpErrorCode.InvalidUrl: return "InvalidUrl";
    case HttpErrorCode.RequestError: return "RequestError";
    case HttpErrorCode.RuntimeError: return "RuntimeError";
    case HttpErrorCode.TooManySessions: return "TooManySessions";
    default: return "UnknownError";
  }
}
