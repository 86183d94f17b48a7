// The `wasi_experimental_http` import module. Each function turns its i32
// arguments into checked memory ranges, does its work, and returns an ABI
// error code; nothing a guest passes can throw into the guest or the host.
// Only `req` awaits, so only `req` is wrapped as a JSPI Suspending import.
import type { Dispatcher } from 'undici';
import type { AllowList } from './allow-list.js';
import type { LookupFunction } from './destination-guard.js';
import type { GuestMemory } from './guest-memory.js';
import { formatHeaderLines, parseHeaderLines } from './header-lines.js';
import { HttpAbiError, HttpErrorCode } from './http-error-codes.js';
import { checkMethod } from './http-method.js';
import type { OutboundPolicy } from './outbound-request.js';
import { ResponseTable } from './response-table.js';
import { daprErrorFromAnswer, daprErrorFromTimeout, isTimeoutError, stateStoreOf, type DaprError } from './state-store-failure.js';

// Loaded at the first request, once: a guest that never calls out never pays
// for it, and one that does pays the dynamic import only once (about 60 µs a
// call otherwise).
let outboundModule: Promise<typeof import('./outbound-request.js')> | undefined;
function loadOutbound(): Promise<typeof import('./outbound-request.js')> {
  outboundModule ??= import('./outbound-request.js');
  return outboundModule;
}

export const HTTP_IMPORT_MODULE = 'wasi_experimental_http';
export const HTTP_IMPORT_NAMES = ['req', 'close', 'body_read', 'header_get', 'headers_get_all'] as const;

export interface HttpImportOptions {
  readonly allowList: AllowList;
  readonly maxOpenResponses: number;
  readonly requestTimeoutMs: number;
  readonly maxResponseBytes: number;
  /** Told about every failed call, so the reason reaches stderr. */
  readonly onError: (call: string, error: HttpAbiError) => void;
  /** Resolves host names (dns.lookup by default); tests point it at a resolver of their own. */
  readonly lookup?: LookupFunction;
  /** Told when a state API call to the sidecar fails on the store's side (see state-store-failure.ts). */
  readonly stateStoreWatch?: StateStoreWatch;
}

export interface StateStoreWatch {
  /** The sidecar's origins (sidecarAllowList): state requests to these are watched. */
  readonly sidecarOrigins: ReadonlySet<string>;
  readonly onFailure: (error: DaprError) => void;
}

const MAX_REDIRECTS = 10;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch (err) {
    throw new HttpAbiError(HttpErrorCode.Utf8Error, `${what} is not valid UTF-8`, { cause: err });
  }
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch (err) {
    throw new HttpAbiError(HttpErrorCode.InvalidUrl, `invalid URL ${JSON.stringify(text)}`, { cause: err });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HttpAbiError(HttpErrorCode.InvalidUrl, `unsupported URL scheme ${url.protocol}`);
  }
  return url;
}

function watchAnswer(watch: StateStoreWatch, url: URL, status: number, body: Uint8Array): void {
  const store = stateStoreOf(url, watch.sidecarOrigins);
  if (store === undefined) return;
  const error = daprErrorFromAnswer(store, status, body);
  if (error) watch.onFailure(error);
}

export function createHttpImports(memory: GuestMemory, options: HttpImportOptions): WebAssembly.ModuleImports {
  const responses = new ResponseTable(options.maxOpenResponses);
  // Made at the first request, with the outbound module.
  let policy: OutboundPolicy | undefined;
  function policyWith(createDispatcher: (list: AllowList, lookup?: LookupFunction) => Dispatcher): OutboundPolicy {
    policy ??= {
      allowList: options.allowList,
      dispatcher: createDispatcher(options.allowList, options.lookup),
      timeoutMs: options.requestTimeoutMs,
      maxResponseBytes: options.maxResponseBytes,
      maxRedirects: MAX_REDIRECTS,
    };
    return policy;
  }

  function toCode(call: string, err: unknown): number {
    const abiError =
      err instanceof HttpAbiError ? err : new HttpAbiError(HttpErrorCode.RuntimeError, `host error in ${call}`, { cause: err });
    options.onError(call, abiError);
    return abiError.abiCode;
  }

  function openResponse(handle: number) {
    const response = responses.get(handle);
    if (!response) throw new HttpAbiError(HttpErrorCode.InvalidHandle, `no open response with handle ${handle >>> 0}`);
    return response;
  }

  async function req(
    urlPtr: number, urlLen: number, methodPtr: number, methodLen: number,
    headersPtr: number, headersLen: number, bodyPtr: number, bodyLen: number,
    statusPtr: number, handlePtr: number,
  ): Promise<number> {
    let requestUrl: URL | undefined;
    try {
      const url = decodeUtf8(memory.view(urlPtr, urlLen), 'URL');
      const method = decodeUtf8(memory.view(methodPtr, methodLen), 'method');
      const headerText = decodeUtf8(memory.view(headersPtr, headersLen), 'headers');
      const body = memory.copy(bodyPtr, bodyLen);
      // Check the result slots before sending, so a bad pointer sends nothing.
      memory.check(statusPtr, 2);
      memory.check(handlePtr, 4);
      requestUrl = parseUrl(url);
      const request = { url: requestUrl, method: checkMethod(method), headers: parseHeaderLines(headerText), body };
      if (responses.isFull) {
        throw new HttpAbiError(HttpErrorCode.TooManySessions, `${options.maxOpenResponses} responses are open; close one first`);
      }
      const { sendOutbound, createOutboundDispatcher } = await loadOutbound();
      const response = await sendOutbound(request, policyWith(createOutboundDispatcher));
      if (response.status >= 500 && options.stateStoreWatch) watchAnswer(options.stateStoreWatch, requestUrl, response.status, response.body);
      const handle = responses.add({ ...response, offset: 0 });
      if (handle === undefined) throw new HttpAbiError(HttpErrorCode.TooManySessions, 'too many open responses');
      try {
        memory.writeU16(statusPtr, response.status);
        memory.writeU32(handlePtr, handle);
      } catch (err) {
        responses.delete(handle);
        throw err;
      }
      return HttpErrorCode.Success;
    } catch (err) {
      if (requestUrl && options.stateStoreWatch && err instanceof HttpAbiError && isTimeoutError(err.cause)) {
        const store = stateStoreOf(requestUrl, options.stateStoreWatch.sidecarOrigins);
        if (store !== undefined) options.stateStoreWatch.onFailure(daprErrorFromTimeout(store, options.requestTimeoutMs));
      }
      return toCode('req', err);
    }
  }

  function close(handle: number): number {
    try {
      if (!responses.delete(handle)) throw new HttpAbiError(HttpErrorCode.InvalidHandle, `no open response with handle ${handle >>> 0}`);
      return HttpErrorCode.Success;
    } catch (err) {
      return toCode('close', err);
    }
  }

  function bodyRead(handle: number, bufPtr: number, bufLen: number, readPtr: number): number {
    try {
      const response = openResponse(handle);
      const target = memory.view(bufPtr, bufLen);
      memory.check(readPtr, 4);
      const chunk = response.body.subarray(response.offset, response.offset + target.byteLength);
      target.set(chunk);
      memory.writeU32(readPtr, chunk.byteLength);
      response.offset += chunk.byteLength;
      return HttpErrorCode.Success;
    } catch (err) {
      return toCode('body_read', err);
    }
  }

  function headerGet(handle: number, namePtr: number, nameLen: number, valuePtr: number, valueLen: number, writtenPtr: number): number {
    try {
      const response = openResponse(handle);
      const name = decodeUtf8(memory.view(namePtr, nameLen), 'header name');
      const target = memory.view(valuePtr, valueLen);
      memory.check(writtenPtr, 4);
      let value: string | null;
      try {
        value = response.headers.get(name);
      } catch {
        value = null; // not a valid header name, so certainly not present
      }
      if (value === null) throw new HttpAbiError(HttpErrorCode.HeaderNotFound, `no response header ${JSON.stringify(name)}`);
      const bytes = encoder.encode(value);
      if (bytes.byteLength > target.byteLength) {
        throw new HttpAbiError(HttpErrorCode.BufferTooSmall, `header ${name} needs ${bytes.byteLength} bytes, buffer has ${target.byteLength}`);
      }
      target.set(bytes);
      memory.writeU32(writtenPtr, bytes.byteLength);
      return HttpErrorCode.Success;
    } catch (err) {
      return toCode('header_get', err);
    }
  }

  function headersGetAll(handle: number, bufPtr: number, bufLen: number, writtenPtr: number): number {
    try {
      const response = openResponse(handle);
      const target = memory.view(bufPtr, bufLen);
      memory.check(writtenPtr, 4);
      const bytes = encoder.encode(formatHeaderLines(response.headers));
      if (bytes.byteLength > target.byteLength) {
        throw new HttpAbiError(HttpErrorCode.BufferTooSmall, `headers need ${bytes.byteLength} bytes, buffer has ${target.byteLength}`);
      }
      target.set(bytes);
      memory.writeU32(writtenPtr, bytes.byteLength);
      return HttpErrorCode.Success;
    } catch (err) {
      return toCode('headers_get_all', err);
    }
  }

  return {
    req: new WebAssembly.Suspending(req),
    close,
    body_read: bodyRead,
    header_get: headerGet,
    headers_get_all: headersGetAll,
  };
}
