// Where the API server is and how to prove who we are: read from a
// kubeconfig or the in-cluster service account, without client-node.
// client-node's KubeConfig would do it too, but importing it loads its
// whole generated API (about a thousand modules, 0.5 s of start-up on a
// small node), which the controller never uses. Kubeconfigs that need
// more than files and tokens (exec plugins, OIDC and cloud auth providers,
// merged KUBECONFIG lists) still go through client-node, loaded only then.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import yaml from 'js-yaml';
import type { KubeConfig } from '@kubernetes/client-node';
import { WasiOperatorError } from '../util/errors.js';

export interface TlsMaterial {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  servername?: string;
  rejectUnauthorized: boolean;
}

export interface ClusterAccess {
  /** https://host:port, without a trailing slash. */
  server: string;
  tls: TlsMaterial;
  proxyUrl?: string;
  /** The Authorization header for the next request, if any. Cheap to call: credentials are cached. */
  authorization(): string | undefined | Promise<string | undefined>;
  /** For logs: "kubeconfig /path (context x)", "in-cluster", … */
  source: string;
}

export const IN_CLUSTER_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** How long a token read from a file is used before the file is read again (client-go's figure). */
const TOKEN_FILE_TTL_MS = 60_000;

/** A bearer token from a file that the kubelet (or our node agent) rotates: re-read once a minute. */
export function tokenFromFile(path: string, now: () => number = Date.now): () => string {
  let token = '';
  let readAt = -Infinity;
  return () => {
    if (now() - readAt > TOKEN_FILE_TTL_MS) {
      token = readFileSync(path, 'utf8').trim();
      readAt = now();
    }
    return `Bearer ${token}`;
  };
}

interface NamedEntry<T> {
  name: string;
  [key: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

type Fields = Record<string, unknown>;

function entry(list: unknown, name: string, field: 'cluster' | 'user' | 'context', source: string): Fields {
  const found = (Array.isArray(list) ? (list as NamedEntry<Fields>[]) : []).find((e) => e?.name === name);
  if (!found) throw new WasiOperatorError('ERR_KUBECONFIG', `${source}: no ${field} named "${name}"`);
  return (found[field] as Fields | undefined) ?? {};
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** What client-node must handle: anything but files, inline data, tokens and basic auth. */
function needsClientNode(user: Fields, cluster: Fields): boolean {
  const provider = user['auth-provider'] as { name?: string; config?: Fields } | undefined;
  const tokenFileProvider = provider?.name === 'tokenFile' && str(provider.config?.tokenFile) !== undefined;
  const proxy = str(cluster['proxy-url']);
  return user.exec !== undefined || (provider !== undefined && !tokenFileProvider) || (proxy !== undefined && !/^https?:/.test(proxy));
}

/**
 * Access from a parsed kubeconfig, or undefined when it needs client-node.
 * Relative file paths are relative to the kubeconfig's directory.
 */
export function accessFromKubeconfig(doc: unknown, path: string, contextName?: string): ClusterAccess | undefined {
  return accessFromDoc(doc, dirname(resolve(path)), `kubeconfig ${path}`, contextName);
}

function accessFromDoc(doc: unknown, base: string, source: string, contextName?: string): ClusterAccess | undefined {
  const config = (doc ?? {}) as Fields;
  const current = contextName ?? str(config['current-context']);
  if (!current) throw new WasiOperatorError('ERR_KUBECONFIG', `${source}: no current-context`);
  const context = entry(config.contexts, current, 'context', source);
  const cluster = entry(config.clusters, String(context.cluster ?? ''), 'cluster', source);
  const user = context.user !== undefined ? entry(config.users, String(context.user), 'user', source) : {};
  if (needsClientNode(user, cluster)) return undefined;

  const file = (v: unknown): string | undefined => {
    if (!str(v)) return undefined;
    const filePath = isAbsolute(v as string) ? (v as string) : join(base, v as string);
    try {
      return readFileSync(filePath, 'utf8');
    } catch (err) {
      throw new WasiOperatorError('ERR_KUBECONFIG', `${source}: cannot read ${filePath}: ${(err as Error).message}`, { cause: err });
    }
  };
  const data = (v: unknown): Buffer | undefined => (str(v) ? Buffer.from(v as string, 'base64') : undefined);
  const server = str(cluster.server);
  if (!server) throw new WasiOperatorError('ERR_KUBECONFIG', `${source}: cluster "${String(context.cluster)}" has no server`);

  const tls: TlsMaterial = {
    ca: data(cluster['certificate-authority-data']) ?? file(cluster['certificate-authority']),
    cert: data(user['client-certificate-data']) ?? file(user['client-certificate']),
    key: data(user['client-key-data']) ?? file(user['client-key']),
    servername: str(cluster['tls-server-name']),
    rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
  };
  const provider = user['auth-provider'] as { config?: Fields } | undefined;
  const tokenPath = str(user.tokenFile) ?? str(provider?.config?.tokenFile);
  const token = str(user.token);
  const username = str(user.username);
  let authorization: () => string | undefined = () => undefined;
  // client-go: a token file, re-read as it rotates, takes precedence over a static token.
  if (tokenPath) authorization = tokenFromFile(isAbsolute(tokenPath) ? tokenPath : join(base, tokenPath));
  else if (token) authorization = () => `Bearer ${token}`;
  else if (username) {
    const basic = `Basic ${Buffer.from(`${username}:${str(user.password) ?? ''}`).toString('base64')}`;
    authorization = () => basic;
  }
  return { server: server.replace(/\/+$/, ''), tls, proxyUrl: str(cluster['proxy-url']), authorization, source: `${source} (context ${current})` };
}

/** In a Pod: the API server from the service env, the service account's CA and (rotated) token. */
export function inClusterAccess(env: NodeJS.ProcessEnv = process.env, dir = IN_CLUSTER_DIR): ClusterAccess | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port || !existsSync(join(dir, 'token'))) return undefined;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    server: `https://${hostPart}:${port}`,
    tls: { ca: readFileSync(join(dir, 'ca.crt')), rejectUnauthorized: true },
    authorization: tokenFromFile(join(dir, 'token')),
    source: 'in-cluster service account',
  };
}

/** Access through client-node's KubeConfig (exec plugins, auth providers): it runs them and caches what they give. */
export async function accessFromClientNode(kc: KubeConfig, source: string): Promise<ClusterAccess> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new WasiOperatorError('ERR_KUBECONFIG', `${source}: no current cluster`);
  const probe: { headers?: Record<string, string>; ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer } = { headers: {} };
  await kc.applyToHTTPSOptions(probe as never);
  const user = kc.getCurrentUser();
  const dynamic = Boolean(user?.exec || user?.authProvider);
  const fixed = probe.headers?.Authorization ?? probe.headers?.authorization;
  return {
    server: cluster.server.replace(/\/+$/, ''),
    tls: { ca: probe.ca, cert: probe.cert, key: probe.key, servername: cluster.tlsServerName, rejectUnauthorized: !cluster.skipTLSVerify },
    proxyUrl: cluster.proxyUrl,
    authorization: dynamic
      ? async () => {
          const opts: { headers: Record<string, string> } = { headers: {} };
          await kc.applyToHTTPSOptions(opts as never);
          return opts.headers.Authorization ?? opts.headers.authorization;
        }
      : () => fixed,
    source,
  };
}

async function viaClientNode(load: (kc: KubeConfig) => void, source: string): Promise<ClusterAccess> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  load(kc);
  return accessFromClientNode(kc, source);
}

function readKubeconfig(path: string): Fields {
  try {
    return (yaml.load(readFileSync(path, 'utf8')) ?? {}) as Fields;
  } catch (err) {
    throw new WasiOperatorError('ERR_KUBECONFIG', `cannot read kubeconfig ${path}: ${(err as Error).message}`, { cause: err });
  }
}

function fromFile(path: string): Promise<ClusterAccess> | ClusterAccess {
  return accessFromKubeconfig(readKubeconfig(path), path) ?? viaClientNode((kc) => kc.loadFromFile(path), `kubeconfig ${path}`);
}

/** The file paths a kubeconfig may hold, made absolute against its own directory (before files are merged). */
function absolutePaths(doc: Fields, dir: string): Fields {
  const fix = (fields: Fields | undefined, key: string): void => {
    const v = str(fields?.[key]);
    if (fields && v && !isAbsolute(v)) fields[key] = join(dir, v);
  };
  for (const { cluster } of (doc.clusters as NamedEntry<Fields>[] | undefined) ?? []) fix(cluster, 'certificate-authority');
  for (const { user } of (doc.users as NamedEntry<Fields>[] | undefined) ?? []) {
    for (const key of ['client-certificate', 'client-key', 'tokenFile']) fix(user, key);
    fix((user?.['auth-provider'] as { config?: Fields } | undefined)?.config, 'tokenFile');
  }
  return doc;
}

/**
 * A KUBECONFIG list merged as client-go merges it: the first file to name a
 * cluster, user or context wins, and so does the first current-context.
 */
export function mergeKubeconfigs(paths: string[]): Fields {
  const merged: Fields = { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] };
  for (const path of paths) {
    const doc = absolutePaths(readKubeconfig(path), dirname(resolve(path)));
    for (const list of ['clusters', 'users', 'contexts'] as const) {
      const into = merged[list] as NamedEntry<Fields>[];
      for (const item of (doc[list] as NamedEntry<Fields>[] | undefined) ?? []) if (!into.some((e) => e.name === item.name)) into.push(item);
    }
    merged['current-context'] ??= str(doc['current-context']);
  }
  return merged;
}

/**
 * client-go's order: an explicit path; else KUBECONFIG (a path list, its
 * missing files skipped, the rest merged); else ~/.kube/config; else the
 * in-cluster service account.
 */
export async function loadClusterAccess(kubeconfigPath?: string, env: NodeJS.ProcessEnv = process.env): Promise<ClusterAccess> {
  if (kubeconfigPath) return fromFile(kubeconfigPath);
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '' && existsSync(p));
  if (listed.length === 1) return fromFile(listed[0] as string);
  if (listed.length > 1) {
    const merged = mergeKubeconfigs(listed);
    const source = `KUBECONFIG ${listed.join(delimiter)}`;
    return accessFromDoc(merged, '/', source) ?? viaClientNode((kc) => kc.loadFromString(yaml.dump(merged)), source);
  }
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return fromFile(home);
  const inCluster = inClusterAccess(env);
  if (inCluster) return inCluster;
  throw new WasiOperatorError('ERR_KUBECONFIG', 'no kubeconfig: pass --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run in a Pod with a service account');
}
