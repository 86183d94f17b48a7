// A small HTTP client over the `wasi_experimental_http` host functions.
//
//   const sent = new RequestBuilder(url).method(Method.POST)
//     .header("Content-Type", "application/json").body("[]").send();
//   const res = sent.response;
//   if (!res) return fail(sent.error!);
//   const text = res.bodyText();
//   res.close();
//
// Failures are values (SendResult.error, Response.error), never aborts, and a
// Response holds a host handle until close(): the host limits open handles.
import * as abi from "./http-abi";
import { HttpErrorCode } from "./http-abi";
import { HttpError } from "./http-error";

export { HttpError } from "./http-error";
export { HttpErrorCode, httpErrorName } from "./http-abi";

export namespace Method {
  export const GET = "GET";
  export const HEAD = "HEAD";
  export const POST = "POST";
  export const PUT = "PUT";
  export const PATCH = "PATCH";
  export const DELETE = "DELETE";
  export const OPTIONS = "OPTIONS";
}

// Out-parameters of the host calls. One guest runs one call at a time (a JSPI
// suspension does not interleave guest code), so a single static block is safe.
const OUT_STATUS: usize = memory.data(4); // u16
const OUT_HANDLE: usize = memory.data(4); // u32
const OUT_COUNT: usize = memory.data(4);  // u32: bytes read or written

const FIRST_BODY_CAPACITY: i32 = 4 * 1024;
const FIRST_HEADER_CAPACITY: i32 = 1024;
// Past this a header value or header block is not worth growing the buffer for.
const MAX_HEADER_BYTES: i32 = 1024 * 1024;

@inline function addressOf(buffer: ArrayBuffer): i32 {
  return <i32>changetype<usize>(buffer);
}

export class Header {
  constructor(public readonly name: string, public readonly value: string) {}
}

export class RequestBuilder {
  private methodName: string = Method.GET;
  private headerLines: string = "";
  private bodyBytes: Uint8Array | null = null;

  constructor(public readonly url: string) {}

  /** Any token is passed through; the host rejects invalid ones (error 8). */
  method(name: string): RequestBuilder {
    this.methodName = name;
    return this;
  }

  header(name: string, value: string): RequestBuilder {
    const line = name + ":" + value;
    this.headerLines = this.headerLines.length == 0 ? line : this.headerLines + "\n" + line;
    return this;
  }

  /** A string (sent as UTF-8), an ArrayBuffer or a Uint8Array. */
  body<T>(data: T): RequestBuilder {
    if (isString<T>()) {
      this.bodyBytes = Uint8Array.wrap(String.UTF8.encode(changetype<string>(data)));
    } else if (data instanceof Uint8Array) {
      this.bodyBytes = data;
    } else if (data instanceof ArrayBuffer) {
      this.bodyBytes = Uint8Array.wrap(data);
    } else {
      ERROR("RequestBuilder.body takes a string, an ArrayBuffer or a Uint8Array");
    }
    return this;
  }

  send(): SendResult {
    const url = String.UTF8.encode(this.url);
    const method = String.UTF8.encode(this.methodName);
    const headers = String.UTF8.encode(this.headerLines);
    const body = this.bodyBytes;
    const code = abi.req(
      addressOf(url), url.byteLength,
      addressOf(method), method.byteLength,
      addressOf(headers), headers.byteLength,
      body ? <i32>body.dataStart : 0, body ? body.byteLength : 0,
      <i32>OUT_STATUS, <i32>OUT_HANDLE,
    );
    if (code != HttpErrorCode.Success) {
      return new SendResult(null, new HttpError(code, this.methodName + " " + this.url));
    }
    return new SendResult(new Response(<i32>load<u16>(OUT_STATUS), <i32>load<u32>(OUT_HANDLE)), null);
  }
}

export class SendResult {
  constructor(
    /** Set when the host answered; the caller must close() it. */
    public readonly response: Response | null,
    public readonly error: HttpError | null,
  ) {}

  get ok(): bool {
    return this.error == null;
  }
}

export class Response {
  /** The first failure while reading headers or body (a missing header is not one). */
  error: HttpError | null = null;
  private closed: bool = false;

  constructor(public readonly status: i32, public readonly handle: i32) {}

  get ok(): bool {
    return this.status >= 200 && this.status < 300;
  }

  /** The value of one header (name is case-insensitive), or null when absent or on error. */
  header(name: string): string | null {
    const nameBytes = String.UTF8.encode(name);
    let capacity = FIRST_HEADER_CAPACITY;
    while (true) {
      const value = new ArrayBuffer(capacity);
      const code = abi.header_get(
        this.handle,
        addressOf(nameBytes), nameBytes.byteLength,
        addressOf(value), capacity,
        <i32>OUT_COUNT,
      );
      if (code == HttpErrorCode.Success) {
        return String.UTF8.decodeUnsafe(changetype<usize>(value), load<u32>(OUT_COUNT));
      }
      if (code == HttpErrorCode.BufferTooSmall && capacity < MAX_HEADER_BYTES) {
        capacity <<= 2;
        continue;
      }
      if (code != HttpErrorCode.HeaderNotFound) this.remember(code, "header " + name);
      return null;
    }
  }

  /** Every response header in the host's order; repeated names stay separate. */
  headers(): Header[] {
    const all = new Array<Header>();
    let capacity = FIRST_HEADER_CAPACITY * 4;
    while (true) {
      const buffer = new ArrayBuffer(capacity);
      const code = abi.headers_get_all(this.handle, addressOf(buffer), capacity, <i32>OUT_COUNT);
      if (code == HttpErrorCode.BufferTooSmall && capacity < MAX_HEADER_BYTES) {
        capacity <<= 2;
        continue;
      }
      if (code != HttpErrorCode.Success) {
        this.remember(code, "headers");
        return all;
      }
      const text = String.UTF8.decodeUnsafe(changetype<usize>(buffer), load<u32>(OUT_COUNT));
      const lines = text.split("\n");
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        const colon = line.indexOf(":");
        if (colon <= 0) continue;
        all.push(new Header(line.substring(0, colon), line.substring(colon + 1).trimStart()));
      }
      return all;
    }
  }

  /** Reads the rest of the body. A read error keeps the bytes read so far and sets `error`. */
  bodyBytes(): Uint8Array {
    let buffer = new ArrayBuffer(FIRST_BODY_CAPACITY);
    let length: i32 = 0;
    while (true) {
      if (length == buffer.byteLength) buffer = grown(buffer, length);
      const code = abi.body_read(
        this.handle,
        addressOf(buffer) + length, buffer.byteLength - length,
        <i32>OUT_COUNT,
      );
      if (code != HttpErrorCode.Success) {
        this.remember(code, "body");
        break;
      }
      const count = <i32>load<u32>(OUT_COUNT);
      if (count == 0) break;
      length += count;
    }
    return Uint8Array.wrap(buffer, 0, length);
  }

  /** The rest of the body decoded as UTF-8. */
  bodyText(): string {
    const bytes = this.bodyBytes();
    return String.UTF8.decodeUnsafe(bytes.dataStart, bytes.byteLength);
  }

  /** Frees the host handle. Safe to call twice; only the first call reaches the host. */
  close(): HttpError | null {
    if (this.closed) return null;
    this.closed = true;
    const code = abi.close(this.handle);
    return code == HttpErrorCode.Success ? null : new HttpError(code, "close");
  }

  private remember(code: i32, what: string): void {
    if (this.error == null) this.error = new HttpError(code, what);
  }
}

function grown(buffer: ArrayBuffer, used: i32): ArrayBuffer {
  const bigger = new ArrayBuffer(buffer.byteLength << 1);
  memory.copy(changetype<usize>(bigger), changetype<usize>(buffer), <usize>used);
  return bigger;
}
