// The part of the kubelet's HTTPS API that the API server calls for
// `kubectl logs`: GET /containerLogs/{namespace}/{pod}/{container}. Only the
// API server may call it: clients must show a certificate from the cluster's
// CA with the API server's kubelet-client name (a real kubelet asks the API
// server to authorize each caller; this agent serves exactly one).
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { parseLogQuery, streamContainerLog } from './container-logs.js';
import { WasiOperatorError } from '../../util/errors.js';

export interface KubeletTls {
  /** PEM serving certificate and key; the certificate names 127.0.0.1, the Node's InternalIP. */
  cert: string | Buffer;
  key: string | Buffer;
  /** PEM CA that signed the API server's client certificate. */
  clientCa: string | Buffer;
  /** The client certificate's CN that may call; default kube-apiserver-kubelet-client. */
  allowedClient?: string;
}

/** Where a container's log is, and whether the container may still write to it. */
export interface ContainerLogFile {
  path: string;
  isRunning(): boolean;
}

export interface KubeletServerOptions {
  tls: KubeletTls;
  /** The log of a container of a Pod on this node (`previous`: of its instance before the last restart), or why there is none. */
  locateLog(namespace: string, pod: string, container: string, previous: boolean): ContainerLogFile | { missing: string };
  log: Logger;
}

export interface KubeletServer {
  port: number;
  close(): Promise<void>;
}

const DEFAULT_ALLOWED_CLIENT = 'kube-apiserver-kubelet-client';
const LOGS_PATH = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)\/?$/;

function reply(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(message);
}

function clientName(req: IncomingMessage): string | undefined {
  const cn = (req.socket as TLSSocket).getPeerCertificate?.()?.subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}

async function serveLogs(req: IncomingMessage, res: ServerResponse, url: URL, options: KubeletServerOptions): Promise<void> {
  const match = LOGS_PATH.exec(url.pathname);
  if (!match) return reply(res, 404, `${url.pathname}: not served by the local node agent (only /containerLogs and /healthz)`);
  const [namespace, pod, container] = match.slice(1).map(decodeURIComponent) as [string, string, string];
  let query;
  try {
    query = parseLogQuery(url.searchParams);
  } catch (err) {
    return reply(res, 400, (err as Error).message);
  }
  const located = options.locateLog(namespace, pod, container, query.previous);
  if ('missing' in located) return reply(res, 400, located.missing);
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
  // Each write goes out at once, so `kubectl logs -f` shows lines as they come.
  res.flushHeaders();
  await streamContainerLog(located.path, query, { write: (chunk) => res.write(chunk) }, { isRunning: located.isRunning, signal: abort.signal });
  res.end();
}

/** Starts the kubelet API on 127.0.0.1 and a free port (the Node's daemonEndpoints carry it). */
export async function startKubeletServer(options: KubeletServerOptions): Promise<KubeletServer> {
  const allowed = options.tls.allowedClient ?? DEFAULT_ALLOWED_CLIENT;
  const server: Server = createServer(
    { cert: options.tls.cert, key: options.tls.key, ca: options.tls.clientCa, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const url = new URL(req.url ?? '/', 'https://localhost');
      const who = clientName(req);
      if (who !== allowed) return reply(res, 403, `forbidden: only ${allowed} may call the local node agent, not ${who ?? 'an anonymous client'}`);
      if (req.method !== 'GET') return reply(res, 405, `${req.method} is not allowed`);
      if (url.pathname === '/healthz') return reply(res, 200, 'ok');
      serveLogs(req, res, url, options).catch((err: unknown) => {
        options.log.warn({ err, path: url.pathname }, 'serving container logs failed');
        if (!res.headersSent) reply(res, 500, (err as Error).message);
        else res.destroy();
      });
    },
  );
  server.on('tlsClientError', (err) => options.log.debug({ err }, 'kubelet API TLS handshake failed'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new WasiOperatorError('ERR_NODE_AGENT_KUBELET_API', `cannot listen for the kubelet API: ${err.message}`, { cause: err })));
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Followed logs would hold close() until their containers end.
        server.closeAllConnections();
      }),
  };
}
