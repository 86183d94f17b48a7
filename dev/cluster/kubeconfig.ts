// Kubeconfigs with the certificates embedded, so a copied kubeconfig keeps
// working without the pki directory next to it.
import { readFileSync, writeFileSync } from 'node:fs';
import yaml from 'js-yaml';
import type { KeyPair } from './pki.js';

export const CONTEXT_NAME = 'wasi-operator-local';

export interface KubeconfigInput {
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  user: string;
}

const base64 = (pem: string): string => Buffer.from(pem).toString('base64');

export function renderKubeconfig({ server, caPem, certPem, keyPem, user }: KubeconfigInput): string {
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CONTEXT_NAME, cluster: { server, 'certificate-authority-data': base64(caPem) } }],
    users: [{ name: user, user: { 'client-certificate-data': base64(certPem), 'client-key-data': base64(keyPem) } }],
    contexts: [{ name: CONTEXT_NAME, context: { cluster: CONTEXT_NAME, user, namespace: 'default' } }],
    'current-context': CONTEXT_NAME,
    preferences: {},
  });
}

export function writeKubeconfig(path: string, server: string, ca: KeyPair, client: KeyPair, user: string): void {
  const text = renderKubeconfig({
    server,
    caPem: readFileSync(ca.cert, 'utf8'),
    certPem: readFileSync(client.cert, 'utf8'),
    keyPem: readFileSync(client.key, 'utf8'),
    user,
  });
  writeFileSync(path, text, { mode: 0o600 });
}
