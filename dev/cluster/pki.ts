// Certificates and keys for a local control plane, made with the `openssl`
// CLI (node:crypto makes keys but cannot issue X.509 certificates). EC P-256
// keeps generation to a few milliseconds per certificate.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DevError } from '../dev-errors.js';
import { NODE_NAME, NODE_NETWORK } from '../node/node-layout.js';

const run = promisify(execFile);
const VALID_DAYS = 365;

/** The in-cluster address of the `kubernetes` Service: first IP of SERVICE_CIDR. */
export const SERVICE_CIDR = '10.0.0.0/24';
const KUBERNETES_SERVICE_IP = '10.0.0.1';

export interface KeyPair {
  cert: string;
  key: string;
}

export interface Pki {
  ca: KeyPair;
  apiserver: KeyPair;
  /** O=system:masters: the user's and the tests' identity. */
  admin: KeyPair;
  controllerManager: KeyPair;
  scheduler: KeyPair;
  /** The API server's identity towards aggregated API servers (request-header authentication). */
  frontProxyClient: KeyPair;
  /** The API server's identity towards the node agent's kubelet API (kubectl logs). */
  kubeletClient: KeyPair;
  /** The node agent's kubelet API serving certificate (the API server verifies it against the CA). */
  kubeletServing: KeyPair;
  /** The kubelet's identity towards the API server (the Node authorizer's `system:node:NAME`). */
  kubeletNode: KeyPair;
  /** kube-proxy's identity (bound to system:node-proxier by the API server's defaults). */
  kubeProxy: KeyPair;
  /** Signs and verifies service-account tokens. */
  serviceAccount: { privateKey: string; publicKey: string };
}

export interface CertificateProfile {
  subject: string;
  usage: 'ca' | 'server' | 'client';
  altNames?: string[];
}

/** An openssl `req` config whose `ext` section holds exactly the extensions a profile needs. */
export function opensslConfig(profile: CertificateProfile): string {
  const ext =
    profile.usage === 'ca'
      ? ['basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign,digitalSignature', 'subjectKeyIdentifier = hash']
      : [
          'basicConstraints = critical,CA:FALSE',
          'keyUsage = critical,digitalSignature,keyEncipherment',
          `extendedKeyUsage = ${profile.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
          'authorityKeyIdentifier = keyid',
          ...(profile.altNames?.length ? [`subjectAltName = ${profile.altNames.join(',')}`] : []),
        ];
  // `prompt = no` needs a non-empty dn section; -subj replaces it.
  return ['[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', 'CN = placeholder', '[ext]', ...ext, ''].join('\n');
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new DevError('ERR_CLUSTER_PKI', `openssl ${args[0]} failed: ${stderr.trim() || String(err)}; is openssl 3 installed?`, { cause: err });
  }
}

async function issue(dir: string, name: string, profile: CertificateProfile, ca?: KeyPair): Promise<KeyPair> {
  const pair = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const config = join(dir, `${name}.cnf`);
  writeFileSync(config, opensslConfig(profile));
  await openssl([
    'req', '-x509', '-new', '-nodes',
    '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-keyout', pair.key, '-out', pair.cert,
    '-subj', profile.subject, '-days', String(VALID_DAYS),
    '-config', config, '-extensions', 'ext',
    ...(ca ? ['-CA', ca.cert, '-CAkey', ca.key] : []),
  ]);
  return pair;
}

async function serviceAccountKeys(dir: string): Promise<Pki['serviceAccount']> {
  const keys = { privateKey: join(dir, 'service-account.key'), publicKey: join(dir, 'service-account.pub') };
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keys.privateKey]);
  await openssl(['pkey', '-in', keys.privateKey, '-pubout', '-out', keys.publicKey]);
  return keys;
}

/**
 * The only certificate name allowed to assert a user in request headers; our
 * CA also signs client certificates, so without this any of them could.
 */
export const FRONT_PROXY_CLIENT = 'front-proxy-client';

export const APISERVER_ALT_NAMES = [
  'IP:127.0.0.1',
  // The node's address: Pods reach the API server there, through the `kubernetes` Service.
  `IP:${NODE_NETWORK.nodeIp}`,
  'DNS:localhost',
  `IP:${KUBERNETES_SERVICE_IP}`,
  'DNS:kubernetes',
  'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc',
  'DNS:kubernetes.default.svc.cluster.local',
];

/** The only client name the node agent's kubelet API answers: the API server's. */
export const KUBELET_CLIENT = 'kube-apiserver-kubelet-client';

/** The kubelet is reached at its Node's InternalIP. */
export const KUBELET_ALT_NAMES = ['IP:127.0.0.1', 'DNS:localhost', `IP:${NODE_NETWORK.nodeIp}`, `DNS:${NODE_NAME}`];

export async function generatePki(dir: string): Promise<Pki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = await issue(dir, 'ca', { subject: '/CN=wasi-operator-local-ca', usage: 'ca' });
  const [apiserver, admin, controllerManager, scheduler, frontProxyClient, kubeletClient, kubeletServing, kubeletNode, kubeProxy, serviceAccount] = await Promise.all([
    issue(dir, 'apiserver', { subject: '/CN=kube-apiserver', usage: 'server', altNames: APISERVER_ALT_NAMES }, ca),
    issue(dir, 'admin', { subject: '/O=system:masters/CN=wasi-operator-admin', usage: 'client' }, ca),
    // Both run every controller under their own identity, with no
    // per-controller service-account credentials, so they need full access.
    issue(dir, 'kube-controller-manager', { subject: '/O=system:masters/CN=system:kube-controller-manager', usage: 'client' }, ca),
    issue(dir, 'kube-scheduler', { subject: '/O=system:masters/CN=system:kube-scheduler', usage: 'client' }, ca),
    issue(dir, 'front-proxy-client', { subject: `/CN=${FRONT_PROXY_CLIENT}`, usage: 'client' }, ca),
    issue(dir, 'kubelet-client', { subject: `/CN=${KUBELET_CLIENT}`, usage: 'client' }, ca),
    issue(dir, 'kubelet-serving', { subject: `/CN=${NODE_NAME}`, usage: 'server', altNames: KUBELET_ALT_NAMES }, ca),
    issue(dir, 'kubelet-node', { subject: `/O=system:nodes/CN=system:node:${NODE_NAME}`, usage: 'client' }, ca),
    issue(dir, 'kube-proxy', { subject: '/CN=system:kube-proxy', usage: 'client' }, ca),
    serviceAccountKeys(dir),
  ]);
  return { ca, apiserver, admin, controllerManager, scheduler, frontProxyClient, kubeletClient, kubeletServing, kubeletNode, kubeProxy, serviceAccount };
}

export function pkiPaths(dir: string): Pki {
  const pair = (name: string): KeyPair => ({ cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) });
  return {
    ca: pair('ca'),
    apiserver: pair('apiserver'),
    admin: pair('admin'),
    controllerManager: pair('kube-controller-manager'),
    scheduler: pair('kube-scheduler'),
    frontProxyClient: pair('front-proxy-client'),
    kubeletClient: pair('kubelet-client'),
    kubeletServing: pair('kubelet-serving'),
    kubeletNode: pair('kubelet-node'),
    kubeProxy: pair('kube-proxy'),
    serviceAccount: { privateKey: join(dir, 'service-account.key'), publicKey: join(dir, 'service-account.pub') },
  };
}

