// Where the API server is and how the controller proves who it is, read from
// kubeconfigs and the in-cluster service account without a cluster: the
// files live in a temp dir, time is injected for the token-file cache.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, jest, test } from '@jest/globals';
import yaml from 'js-yaml';
import { accessFromKubeconfig, inClusterAccess, loadClusterAccess, tokenFromFile } from '../../operator/src/kube/cluster-access.js';

const CA = '-----BEGIN CERTIFICATE-----\nfake ca\n-----END CERTIFICATE-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nfake client cert\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nfake client key\n-----END PRIVATE KEY-----\n';
const b64 = (text: string): string => Buffer.from(text).toString('base64');

let root: string;
let serial = 0;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kube-cluster-access-'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

afterEach(() => {
  jest.restoreAllMocks();
});

/** A fresh empty directory under the test's temp root. */
function freshDir(): string {
  const dir = join(root, `case-${++serial}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

interface KubeconfigParts {
  cluster?: Record<string, unknown>;
  user?: Record<string, unknown> | undefined;
  server?: string;
}

/** A one-context kubeconfig (context "ctx", cluster "c1", user "u1") as parsed YAML. */
function kubeconfig({ cluster = {}, user = {}, server = 'https://api.example.test:6443' }: KubeconfigParts = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'ctx',
    clusters: [{ name: 'c1', cluster: { server, ...cluster } }],
    contexts: [{ name: 'ctx', context: user === undefined ? { cluster: 'c1' } : { cluster: 'c1', user: 'u1' } }],
    users: user === undefined ? [] : [{ name: 'u1', user }],
  };
}

/** Writes a kubeconfig as YAML into `dir` and returns its path. */
function writeKubeconfig(dir: string, doc: unknown, name = 'config'): string {
  const path = join(dir, name);
  writeFileSync(path, yaml.dump(doc));
  return path;
}

function access(doc: unknown, path = join(root, 'kubeconfig'), context?: string) {
  const result = accessFromKubeconfig(doc, path, context);
  if (!result) throw new Error('expected access from the kubeconfig itself, got undefined (client-node)');
  return result;
}

describe('accessFromKubeconfig', () => {
  test('inline base64 certificate-authority-data, client-certificate-data and client-key-data become the TLS material', () => {
    const result = access(
      kubeconfig({
        server: 'https://api.example.test:6443/',
        cluster: { 'certificate-authority-data': b64(CA) },
        user: { 'client-certificate-data': b64(CERT), 'client-key-data': b64(KEY) },
      }),
    );
    expect(result.server).toBe('https://api.example.test:6443');
    expect(result.tls.ca?.toString()).toBe(CA);
    expect(result.tls.cert?.toString()).toBe(CERT);
    expect(result.tls.key?.toString()).toBe(KEY);
    expect(result.tls.rejectUnauthorized).toBe(true);
    expect(result.tls.servername).toBeUndefined();
    expect(result.proxyUrl).toBeUndefined();
    expect(result.authorization()).toBeUndefined();
  });

  test('relative certificate paths are read relative to the kubeconfig file, absolute ones as they are', () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'pki'));
    writeFileSync(join(dir, 'pki', 'ca.crt'), CA);
    writeFileSync(join(dir, 'pki', 'client.crt'), CERT);
    writeFileSync(join(dir, 'client.key'), KEY);
    const doc = kubeconfig({
      cluster: { 'certificate-authority': 'pki/ca.crt' },
      user: { 'client-certificate': './pki/client.crt', 'client-key': join(dir, 'client.key') },
    });
    const result = access(doc, join(dir, 'config'));
    expect(result.tls.ca?.toString()).toBe(CA);
    expect(result.tls.cert?.toString()).toBe(CERT);
    expect(result.tls.key?.toString()).toBe(KEY);
  });

  test('inline data wins over a file path for the same item (the file is not even read)', () => {
    const result = access(
      kubeconfig({ cluster: { 'certificate-authority-data': b64(CA), 'certificate-authority': 'does/not/exist.crt' } }),
      join(freshDir(), 'config'),
    );
    expect(result.tls.ca?.toString()).toBe(CA);
  });

  test('a static token becomes a Bearer authorization header', () => {
    expect(access(kubeconfig({ user: { token: 'static-token' } })).authorization()).toBe('Bearer static-token');
  });

  test('a token file takes precedence over a static token (client-go), so rotation reaches the process', () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'token'), 'from-file\n');
    expect(access(kubeconfig({ user: { token: 'static-token', tokenFile: 'token' } }), join(dir, 'config')).authorization()).toBe('Bearer from-file');
  });

  test('a certificate file that cannot be read → ERR_KUBECONFIG naming the file', () => {
    const dir = freshDir();
    const doc = kubeconfig({ cluster: { 'certificate-authority': 'missing-ca.crt' } });
    expect(() => access(doc, join(dir, 'config'))).toThrow(expect.objectContaining({ code: 'ERR_KUBECONFIG', message: expect.stringContaining(join(dir, 'missing-ca.crt')) }));
  });

  test('a context without a user sends no authorization header', () => {
    expect(access(kubeconfig({ user: undefined })).authorization()).toBeUndefined();
  });

  test('username and password become a Basic authorization header', () => {
    const header = access(kubeconfig({ user: { username: 'admin', password: 's3cr:et' } })).authorization();
    expect(header).toBe(`Basic ${b64('admin:s3cr:et')}`);
  });

  test.each([
    ['the client-go tokenFile field', (tokenFile: string) => ({ tokenFile })],
    ['a client-node style tokenFile auth provider', (tokenFile: string) => ({ 'auth-provider': { name: 'tokenFile', config: { tokenFile } } })],
  ])('%s: the token is read relative to the kubeconfig and re-read only after a minute', (_, userFor) => {
    const dir = freshDir();
    writeFileSync(join(dir, 'token'), 'first-token\n');
    let now = 1_000_000;
    // tokenFromFile takes Date.now when the kubeconfig is read: make it ours first.
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const result = access(kubeconfig({ user: userFor('token') }), join(dir, 'config'));

    expect(result.authorization()).toBe('Bearer first-token');
    writeFileSync(join(dir, 'token'), 'rotated-token\n');
    now += 59_000;
    expect(result.authorization()).toBe('Bearer first-token');
    now += 2_000;
    expect(result.authorization()).toBe('Bearer rotated-token');
  });

  test('insecure-skip-tls-verify turns certificate verification off', () => {
    expect(access(kubeconfig({ cluster: { 'insecure-skip-tls-verify': true } })).tls.rejectUnauthorized).toBe(false);
  });

  test('tls-server-name is the name the server certificate is checked against', () => {
    expect(access(kubeconfig({ cluster: { 'tls-server-name': 'kubernetes.default.svc' } })).tls.servername).toBe('kubernetes.default.svc');
  });

  test('an http(s) proxy-url is kept for the client', () => {
    expect(access(kubeconfig({ cluster: { 'proxy-url': 'http://proxy.example.test:3128' } })).proxyUrl).toBe('http://proxy.example.test:3128');
  });

  test.each([
    ['an exec plugin user', kubeconfig({ user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'get-token' } } })],
    ['an oidc auth provider', kubeconfig({ user: { 'auth-provider': { name: 'oidc', config: { 'id-token': 'x' } } } })],
    ['a tokenFile auth provider without a file', kubeconfig({ user: { 'auth-provider': { name: 'tokenFile', config: {} } } })],
    ['a socks5 proxy', kubeconfig({ cluster: { 'proxy-url': 'socks5://proxy.example.test:1080' } })],
  ])('%s is left to client-node (undefined)', (_, doc) => {
    expect(accessFromKubeconfig(doc, join(root, 'kubeconfig'))).toBeUndefined();
  });

  test('an explicit context name beats current-context, and the source names the file and the context', () => {
    const doc = kubeconfig({ user: { token: 'a' } });
    (doc.clusters as unknown[]).push({ name: 'c2', cluster: { server: 'https://other.example.test' } });
    (doc.contexts as unknown[]).push({ name: 'other', context: { cluster: 'c2', user: 'u1' } });
    const path = join(root, 'kubeconfig');
    expect(access(doc, path).server).toBe('https://api.example.test:6443');
    const other = access(doc, path, 'other');
    expect(other.server).toBe('https://other.example.test');
    expect(other.source).toBe(`kubeconfig ${path} (context other)`);
  });

  test('no current-context and no context name → ERR_KUBECONFIG', () => {
    const doc = kubeconfig();
    delete doc['current-context'];
    expect(() => accessFromKubeconfig(doc, '/k/config')).toThrow(expect.objectContaining({ code: 'ERR_KUBECONFIG', message: expect.stringContaining('no current-context') }));
  });

  test('an empty or non-object document → ERR_KUBECONFIG', () => {
    expect(() => accessFromKubeconfig(undefined, '/k/config')).toThrow(expect.objectContaining({ code: 'ERR_KUBECONFIG' }));
  });

  test.each([
    ['context', (doc: Record<string, unknown>) => (doc['current-context'] = 'ghost-context'), 'no context named "ghost-context"'],
    ['cluster', (doc: Record<string, unknown>) => ((doc.clusters as Array<{ name: string }>)[0]!.name = 'renamed'), 'no cluster named "c1"'],
    ['user', (doc: Record<string, unknown>) => ((doc.users as Array<{ name: string }>)[0]!.name = 'renamed'), 'no user named "u1"'],
  ])('a missing %s → ERR_KUBECONFIG naming it', (_, breakIt, says) => {
    const doc = kubeconfig({ user: { token: 't' } });
    breakIt(doc);
    let thrown: unknown;
    try {
      accessFromKubeconfig(doc, '/k/config');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: 'ERR_KUBECONFIG' });
    expect((thrown as Error).message).toContain(says);
    expect((thrown as Error).message).toContain('/k/config');
  });

  test('a cluster without a server → ERR_KUBECONFIG naming the cluster', () => {
    const doc = kubeconfig();
    delete ((doc.clusters as Array<{ cluster: Record<string, unknown> }>)[0]!.cluster).server;
    expect(() => accessFromKubeconfig(doc, '/k/config')).toThrow(expect.objectContaining({ code: 'ERR_KUBECONFIG', message: expect.stringContaining('cluster "c1" has no server') }));
  });
});

describe('tokenFromFile', () => {
  test('reads the file on first use, trims it, and re-reads it only once more than 60 s have passed', () => {
    const path = join(freshDir(), 'token');
    writeFileSync(path, '  one\n');
    let now = 5_000;
    const authorization = tokenFromFile(path, () => now);
    // Lazy: nothing is read until the first header is asked for.
    writeFileSync(path, 'two\n');
    expect(authorization()).toBe('Bearer two');
    writeFileSync(path, 'three\n');
    now += 30_000;
    expect(authorization()).toBe('Bearer two');
    now += 29_999;
    expect(authorization()).toBe('Bearer two');
    now += 2;
    expect(authorization()).toBe('Bearer three');
    writeFileSync(path, 'four\n');
    now += 1_000;
    expect(authorization()).toBe('Bearer three');
  });
});

describe('inClusterAccess', () => {
  function serviceAccountDir(): string {
    const dir = freshDir();
    writeFileSync(join(dir, 'token'), 'sa-token\n');
    writeFileSync(join(dir, 'ca.crt'), CA);
    return dir;
  }

  test('uses KUBERNETES_SERVICE_HOST/PORT, the service account CA and its token', () => {
    const result = inClusterAccess({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir());
    expect(result).toBeDefined();
    expect(result!.server).toBe('https://10.96.0.1:443');
    expect(result!.tls.ca?.toString()).toBe(CA);
    expect(result!.tls.rejectUnauthorized).toBe(true);
    expect(result!.authorization()).toBe('Bearer sa-token');
    expect(result!.source).toBe('in-cluster service account');
  });

  test('an IPv6 service host is put in brackets', () => {
    const result = inClusterAccess({ KUBERNETES_SERVICE_HOST: 'fd00:10:96::1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir());
    expect(result?.server).toBe('https://[fd00:10:96::1]:443');
  });

  test('outside a Pod (no service env, or no token file) there is no in-cluster access', () => {
    const dir = serviceAccountDir();
    expect(inClusterAccess({}, dir)).toBeUndefined();
    expect(inClusterAccess({ KUBERNETES_SERVICE_HOST: '10.96.0.1' }, dir)).toBeUndefined();
    expect(inClusterAccess({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, freshDir())).toBeUndefined();
  });
});

describe('loadClusterAccess', () => {
  /** A directory with a kubeconfig whose server says which one it is. */
  function configNamed(label: string, dir = freshDir(), name = 'config'): string {
    return writeKubeconfig(dir, kubeconfig({ server: `https://${label}.example.test`, user: { token: label } }), name);
  }

  test('an explicit path beats KUBECONFIG and ~/.kube/config', async () => {
    const home = freshDir();
    mkdirSync(join(home, '.kube'));
    configNamed('home', join(home, '.kube'));
    const env = { KUBECONFIG: configNamed('env'), HOME: home };
    const result = await loadClusterAccess(configNamed('explicit'), env);
    expect(result.server).toBe('https://explicit.example.test');
    expect(await result.authorization()).toBe('Bearer explicit');
  });

  test('a single existing KUBECONFIG file is used (missing entries in the list are skipped) and beats ~/.kube/config', async () => {
    const home = freshDir();
    mkdirSync(join(home, '.kube'));
    configNamed('home', join(home, '.kube'));
    const path = configNamed('env');
    const env = { KUBECONFIG: [join(root, 'missing-kubeconfig'), path, ''].join(delimiter), HOME: home };
    const result = await loadClusterAccess(undefined, env);
    expect(result.server).toBe('https://env.example.test');
    expect(result.source).toBe(`kubeconfig ${path} (context ctx)`);
  });

  test('without a path or KUBECONFIG, $HOME/.kube/config is used', async () => {
    const home = freshDir();
    mkdirSync(join(home, '.kube'));
    const path = configNamed('home', join(home, '.kube'));
    const result = await loadClusterAccess(undefined, { HOME: home, KUBECONFIG: '' });
    expect(result.server).toBe('https://home.example.test');
    expect(result.source).toContain(path);
  });

  test('nothing to load (no kubeconfig anywhere, not in a Pod) → ERR_KUBECONFIG', async () => {
    await expect(loadClusterAccess(undefined, { HOME: freshDir(), KUBECONFIG: join(root, 'nowhere') })).rejects.toMatchObject({
      code: 'ERR_KUBECONFIG',
      message: expect.stringContaining('no kubeconfig'),
    });
  });

  test('an explicit path that does not exist or is not YAML → ERR_KUBECONFIG naming it', async () => {
    const missing = join(root, 'no-such-kubeconfig');
    await expect(loadClusterAccess(missing, {})).rejects.toMatchObject({ code: 'ERR_KUBECONFIG', message: expect.stringContaining(missing) });
    const broken = join(freshDir(), 'config');
    writeFileSync(broken, 'clusters: [unclosed\n');
    await expect(loadClusterAccess(broken, {})).rejects.toMatchObject({ code: 'ERR_KUBECONFIG', message: expect.stringContaining(broken) });
  });

  test('an exec-plugin kubeconfig goes through client-node, which runs the plugin for the token', async () => {
    const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-exec' } });
    const path = writeKubeconfig(
      freshDir(),
      kubeconfig({
        user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: ['-e', `process.stdout.write(${JSON.stringify(credential)})`] } },
      }),
    );
    const result = await loadClusterAccess(path, {});
    expect(result.server).toBe('https://api.example.test:6443');
    expect(result.source).toBe(`kubeconfig ${path}`);
    expect(await result.authorization()).toBe('Bearer from-exec');
  });

  test('a KUBECONFIG list is merged as client-go merges it: missing files skipped, the first current-context and the first of each name win', async () => {
    const first = writeKubeconfig(freshDir(), {
      'current-context': 'ctx',
      clusters: [{ name: 'c1', cluster: { server: 'https://first.example.test' } }],
      contexts: [{ name: 'ctx', context: { cluster: 'c1', user: 'u1' } }],
      users: [{ name: 'u1', user: { token: 'first' } }],
    });
    const second = writeKubeconfig(freshDir(), {
      'current-context': 'ctx2',
      clusters: [
        { name: 'c1', cluster: { server: 'https://shadowed.example.test' } },
        { name: 'c2', cluster: { server: 'https://second.example.test' } },
      ],
      contexts: [{ name: 'ctx2', context: { cluster: 'c2', user: 'u1' } }],
      users: [{ name: 'u1', user: { token: 'shadowed' } }],
    });
    const list = [join(freshDir(), 'missing'), first, second].join(delimiter);
    const result = await loadClusterAccess(undefined, { KUBECONFIG: list, HOME: freshDir() });
    expect(result.source).toBe(`KUBECONFIG ${[first, second].join(delimiter)} (context ctx)`);
    expect(result.server).toBe('https://first.example.test');
    expect(await result.authorization()).toBe('Bearer first');
  });

  test('a merged KUBECONFIG list resolves each file\'s relative paths against its own directory', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'ca.crt'), 'CA FROM FIRST');
    const first = writeKubeconfig(dir, {
      'current-context': 'ctx',
      clusters: [{ name: 'c1', cluster: { server: 'https://first.example.test', 'certificate-authority': 'ca.crt' } }],
      contexts: [{ name: 'ctx', context: { cluster: 'c1' } }],
    });
    const second = writeKubeconfig(freshDir(), { clusters: [{ name: 'c2', cluster: { server: 'https://second.example.test' } }] });
    const result = await loadClusterAccess(undefined, { KUBECONFIG: [first, second].join(delimiter), HOME: freshDir() });
    expect(result.tls.ca?.toString()).toBe('CA FROM FIRST');
  });
});
