// A small REST client for the Kubernetes API: JSON in, JSON out, over one
// pool of kept-alive HTTP/1.1 connections (undici), plus watch streams. It is
// what the controller needs and no more; the objects stay plain JSON (no
// model classes, no Date conversion), which is also what the watch gives.
import { Agent, ProxyAgent, request, type Dispatcher } from 'undici';
import type { ClusterAccess } from './cluster-access.js';
import { KubeApiError } from './api-error.js';
import { WasiOperatorError } from '../util/errors.js';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Default application/json; patches name theirs (merge-patch+json, apply-patch+yaml). */
  contentType?: string;
  signal?: AbortSignal;
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

const USER_AGENT = 'wasi-operator';

export function withQuery(path: string, query: Query | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

function makeDispatcher(access: ClusterAccess): Dispatcher {
  const connect = { ...access.tls, keepAlive: true, keepAliveInitialDelay: 30_000 };
  if (access.proxyUrl) return new ProxyAgent({ uri: access.proxyUrl, requestTls: connect });
  // HTTP/1.1: under load it costs the API server and us less CPU per request than HTTP/2's framing (measured).
  return new Agent({ connect, allowH2: false });
}

export class KubeApiClient {
  private readonly dispatcher: Dispatcher;

  constructor(readonly access: ClusterAccess) {
    this.dispatcher = makeDispatcher(access);
  }

  private async headers(contentType: string | undefined, accept = 'application/json'): Promise<Record<string, string>> {
    const headers: Record<string, string> = { accept, 'user-agent': USER_AGENT };
    if (contentType) headers['content-type'] = contentType;
    const authorization = await this.access.authorization();
    if (authorization) headers.authorization = authorization;
    return headers;
  }

  /** One call; the parsed JSON answer, or a KubeApiError with the server's Status. */
  async request<T>(method: Dispatcher.HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    const target = withQuery(path, options.query);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(this.access.server + target, {
        method,
        dispatcher: this.dispatcher,
        headers: await this.headers(body === undefined ? undefined : (options.contentType ?? 'application/json')),
        body,
        signal: options.signal,
      });
    } catch (err) {
      throw new WasiOperatorError('ERR_KUBE_UNREACHABLE', `${method} ${target}: cannot reach the API server ${this.access.server}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const text = await res.body.text();
    if (res.statusCode >= 300) throw errorFrom(method, target, res.statusCode, text);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /**
   * Streams a watch: calls `onEvent` for each line of the answer until the
   * server ends it (its timeout), `signal` aborts it, or the connection
   * fails (rejects). A non-2xx answer rejects with a KubeApiError; `onOpen`
   * is called once the server has accepted the watch (before any event).
   */
  async watch<T>(path: string, query: Query, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal, onOpen?: () => void): Promise<void> {
    const target = withQuery(path, { ...query, watch: true });
    const res = await request(this.access.server + target, {
      method: 'GET',
      dispatcher: this.dispatcher,
      headers: await this.headers(undefined),
      signal,
      // A watch is idle for minutes between events; the server ends it after timeoutSeconds.
      bodyTimeout: 0,
    });
    if (res.statusCode >= 300) throw errorFrom('GET', target, res.statusCode, await res.body.text());
    onOpen?.();
    res.body.setEncoding('utf8');
    let pending = '';
    for await (const chunk of res.body as AsyncIterable<string>) {
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (line.trim() !== '') onEvent(JSON.parse(line) as WatchEvent<T>);
      }
    }
    if (pending.trim() !== '') onEvent(JSON.parse(pending) as WatchEvent<T>);
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

function errorFrom(method: string, path: string, statusCode: number, text: string): KubeApiError {
  let reason: string | undefined;
  let message = text.trim() || `HTTP ${statusCode}`;
  try {
    const status = JSON.parse(text) as { reason?: string; message?: string };
    reason = status.reason;
    if (status.message) message = status.message;
  } catch {
    // not a Status object (a proxy's page, say): keep the text
  }
  return new KubeApiError(method, path, statusCode, reason, message);
}
