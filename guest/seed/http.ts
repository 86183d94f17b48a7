// A minimal wasi_experimental_http client in the AssemblyScript 0.18 dialect
// with the API the seed's dapr.ts imports from deislabs' crate (Method,
// RequestBuilder, Response). A failed ABI call traps: the seed has no error
// handling to hand a code to.

// @ts-ignore: decorator
@external("wasi_experimental_http", "req")
declare function req(urlPtr: usize, urlLen: usize, methodPtr: usize, methodLen: usize, headersPtr: usize, headersLen: usize, bodyPtr: usize, bodyLen: usize, statusPtr: usize, handlePtr: usize): u32;
// @ts-ignore: decorator
@external("wasi_experimental_http", "close")
declare function close(handle: u32): u32;
// @ts-ignore: decorator
@external("wasi_experimental_http", "body_read")
declare function body_read(handle: u32, bufPtr: usize, bufLen: usize, readPtr: usize): u32;

export enum Method { GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH }

function methodName(method: Method): string {
  switch (method) {
    case Method.GET: return "GET";
    case Method.HEAD: return "HEAD";
    case Method.POST: return "POST";
    case Method.PUT: return "PUT";
    case Method.DELETE: return "DELETE";
    case Method.CONNECT: return "CONNECT";
    case Method.OPTIONS: return "OPTIONS";
    case Method.TRACE: return "TRACE";
    default: return "PATCH";
  }
}

export class Response {
  constructor(public status: u16, public handle: u32) {}

  bodyReadAll(): Uint8Array {
    let out = new Array<u8>();
    let chunk = new Uint8Array(4096);
    let read = memory.data(4);
    while (true) {
      let code = body_read(this.handle, chunk.dataStart, 4096, read);
      if (code != 0) unreachable();
      let n = load<u32>(read);
      if (n == 0) break;
      for (let i: u32 = 0; i < n; i++) out.push(chunk[i]);
    }
    let body = new Uint8Array(out.length);
    for (let i = 0; i < out.length; i++) body[i] = out[i];
    return body;
  }

  close(): void {
    close(this.handle);
  }
}

export class RequestBuilder {
  private verb: Method = Method.GET;
  private headers: string = "";
  private content: ArrayBuffer = new ArrayBuffer(0);

  constructor(private url: string) {}

  method(method: Method): RequestBuilder {
    this.verb = method;
    return this;
  }

  header(name: string, value: string): RequestBuilder {
    this.headers += name + ":" + value + "\n";
    return this;
  }

  body(content: ArrayBuffer): RequestBuilder {
    this.content = content;
    return this;
  }

  send(): Response {
    let url = String.UTF8.encode(this.url);
    let method = String.UTF8.encode(methodName(this.verb));
    let headers = String.UTF8.encode(this.headers);
    let status = memory.data(2);
    let handle = memory.data(4);
    let code = req(
      changetype<usize>(url), url.byteLength,
      changetype<usize>(method), method.byteLength,
      changetype<usize>(headers), headers.byteLength,
      changetype<usize>(this.content), this.content.byteLength,
      status, handle,
    );
    if (code != 0) unreachable();
    return new Response(load<u16>(status), load<u32>(handle));
  }
}
