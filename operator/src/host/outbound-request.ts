// Sends one guest request, following redirects ourselves so that every hop is
// checked against the allow-list, and bounding the whole exchange (all hops
// and the body) in time and size. The body is read in full before the guest
// sees the response, as the original host did.
//
// undici's request() rather than fetch: the same HTTP client under a much
// thinner API (no WHATWG streams, no Request/Response objects), which is most
// of the host's per-call cost; keep-alive connections come from the guest's
// own pool (outbound-dispatcher.ts), whose lookups keep the DNS rule of
// destination-guard.ts. Unlike fetch it sends only the guest's headers (no default
// user-agent, accept or accept-encoding) and never decompresses a body.
import { request as undiciRequest, type Dispatcher } from 'undici';
import { isAllowed, type AllowList } from './allow-list.js';
import { destinationRefusalIn } from './destination-guard.js';
import type { HeaderPair } from './header-lines.js';
import { HttpAbiError, HttpErrorCode } from './http-error-codes.js';

export { createOutboundDispatcher } from './outbound-dispatcher.js';

export interface OutboundPolicy {
  readonly allowList: AllowList;
  /** The guest's client (outbound-dispatcher.ts): host names resolve under the DNS rule. */
  readonly dispatcher: Dispatcher;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly maxRedirects: number;
}

export interface OutboundRequest {
  readonly url: URL;
  readonly method: string;
  readonly headers: readonly HeaderPair[];
  readonly body: Uint8Array;
}

export interface OutboundResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// Credentials never follow a redirect to another origin (what fetch does too).
const CROSS_ORIGIN_DROPPED = new Set(['authorization', 'cookie', 'proxy-authorization']);

function deny(url: URL): never {
  throw new HttpAbiError(HttpErrorCode.DestinationNotAllowed, `destination not allowed: ${url.origin}`);
}

function requestError(message: string, cause?: unknown): never {
  throw new HttpAbiError(HttpErrorCode.RequestError, message, { cause });
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `request timed out after ${timeoutMs} ms`;
  }
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err instanceof Error ? err.message : String(err)}${cause}`;
}

type ResponseBody = AsyncIterable<Uint8Array> & { destroy(err?: Error): unknown };

async function readBody(stream: ResponseBody, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      stream.destroy();
      requestError(`response body larger than the ${maxBytes}-byte limit`);
    }
    chunks.push(chunk);
  }
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** Response headers as fetch would give them (repeated ones joined with ", "). */
function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.append(name, value);
  }
  return headers;
}

interface Hop {
  url: URL;
  method: string;
  headers: HeaderPair[];
  body: Uint8Array | undefined;
}

/** The request for the next hop, per the fetch standard's redirect rules. */
function nextHop(hop: Hop, status: number, location: URL): Hop {
  const becomesGet = status === 303 ? hop.method !== 'HEAD' : (status === 301 || status === 302) && hop.method === 'POST';
  const crossOrigin = location.origin !== hop.url.origin;
  let headers = hop.headers;
  if (becomesGet) headers = headers.filter(([name]) => !/^content-/i.test(name));
  if (crossOrigin) headers = headers.filter(([name]) => !CROSS_ORIGIN_DROPPED.has(name.toLowerCase()));
  return {
    url: location,
    method: becomesGet ? 'GET' : hop.method,
    headers,
    body: becomesGet ? undefined : hop.body,
  };
}

export async function sendOutbound(request: OutboundRequest, policy: OutboundPolicy): Promise<OutboundResponse> {
  const signal = AbortSignal.timeout(policy.timeoutMs);
  let hop: Hop = {
    url: request.url,
    method: request.method,
    headers: [...request.headers],
    body: request.body.byteLength > 0 ? request.body : undefined,
  };
  for (let redirects = 0; ; redirects++) {
    if (!isAllowed(policy.allowList, hop.url)) deny(hop.url);
    let response: Dispatcher.ResponseData;
    try {
      response = await undiciRequest(hop.url, {
        method: hop.method as Dispatcher.HttpMethod,
        headers: hop.headers.flat(),
        body: hop.body,
        signal,
        dispatcher: policy.dispatcher,
      });
    } catch (err) {
      const refusal = destinationRefusalIn(err);
      if (refusal) throw new HttpAbiError(HttpErrorCode.DestinationNotAllowed, `${refusal.message} (${hop.url.origin})`, { cause: err });
      requestError(describeFetchError(err, policy.timeoutMs), err);
    }
    const headers = toHeaders(response.headers);
    const location = headers.get('location');
    if (!REDIRECT_STATUSES.has(response.statusCode) || location === null) {
      try {
        return { status: response.statusCode, headers, body: await readBody(response.body, policy.maxResponseBytes) };
      } catch (err) {
        if (err instanceof HttpAbiError) throw err;
        requestError(describeFetchError(err, policy.timeoutMs), err);
      }
    }
    // A redirect's own body is not wanted: drained (small) or dropped, the connection stays usable.
    await response.body.dump().catch(() => undefined);
    if (redirects >= policy.maxRedirects) requestError(`more than ${policy.maxRedirects} redirects`);
    let next: URL;
    try {
      next = new URL(location, hop.url);
    } catch (err) {
      requestError(`redirect to an invalid location ${JSON.stringify(location)}`, err);
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') requestError(`redirect to unsupported scheme ${next.protocol}`);
    hop = nextHop(hop, response.statusCode, next);
  }
}
