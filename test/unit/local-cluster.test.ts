// Pure parts of the local cluster: where state lives, what each component is
// started with, what the certificates and kubeconfig contain.
import yaml from 'js-yaml';
import { apiserverArgs, controllerManagerArgs, etcdArgs, schedulerArgs, type ClusterPorts } from '../../dev/cluster/component-args.js';
import { renderKubeconfig } from '../../dev/cluster/kubeconfig.js';
import { opensslConfig, pkiPaths } from '../../dev/cluster/pki.js';
import { clusterPaths, defaultStateDir } from '../../dev/cluster/state-dir.js';
import { binaryNames, ETCD, goOutputName, KUBERNETES } from '../../dev/tools/pins.js';

const ports: ClusterPorts = { etcdClient: 2001, etcdPeer: 2002, apiserver: 2003, controllerManager: 2004, scheduler: 2005 };
const paths = clusterPaths('/tmp/state');
const pki = pkiPaths(paths.pkiDir);

const flag = (args: string[], name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.split('=').slice(1).join('=');

describe('state dir', () => {
  test('is $WASI_OPERATOR_HOME when set, else .wasi-operator under the current directory', () => {
    expect(defaultStateDir({ WASI_OPERATOR_HOME: '/srv/wo' }, '/repo')).toBe('/srv/wo');
    expect(defaultStateDir({ WASI_OPERATOR_HOME: 'rel' }, '/repo')).toBe('/repo/rel');
    expect(defaultStateDir({}, '/repo')).toBe('/repo/.wasi-operator');
    expect(clusterPaths('/repo/.wasi-operator').kubeconfig).toBe('/repo/.wasi-operator/kubeconfig');
  });
});

describe('component command lines', () => {
  test('etcd listens on loopback at the chosen ports, in the state dir', () => {
    const args = etcdArgs(paths, ports);
    expect(flag(args, 'listen-client-urls')).toBe('http://127.0.0.1:2001');
    expect(flag(args, 'listen-peer-urls')).toBe('http://127.0.0.1:2002');
    expect(flag(args, 'data-dir')).toBe('/tmp/state/etcd');
  });

  test('kube-apiserver uses that etcd, our CA and the service-account key pair', () => {
    const args = apiserverArgs(paths, pki, ports);
    expect(flag(args, 'etcd-servers')).toBe('http://127.0.0.1:2001');
    expect(flag(args, 'secure-port')).toBe('2003');
    expect(flag(args, 'bind-address')).toBe('127.0.0.1');
    expect(flag(args, 'client-ca-file')).toBe(pki.ca.cert);
    expect(flag(args, 'service-account-key-file')).toBe(pki.serviceAccount.publicKey);
    expect(flag(args, 'service-account-signing-key-file')).toBe(pki.serviceAccount.privateKey);
    expect(flag(args, 'authorization-mode')).toBe('Node,RBAC');
    expect(flag(args, 'feature-gates')).toBeUndefined();
  });

  test('kube-apiserver reaches the node agent for logs with its own client certificate, checking the agent against our CA', () => {
    const args = apiserverArgs(paths, pki, ports);
    expect(flag(args, 'kubelet-client-certificate')).toBe(pki.kubeletClient.cert);
    expect(flag(args, 'kubelet-client-key')).toBe(pki.kubeletClient.key);
    expect(flag(args, 'kubelet-certificate-authority')).toBe(pki.ca.cert);
    expect(flag(args, 'kubelet-preferred-address-types')).toBe('InternalIP');
  });

  test('controller-manager and scheduler run every controller without leader election on their own ports', () => {
    const kcm = controllerManagerArgs(paths, pki, ports);
    expect(flag(kcm, 'controllers')).toBe('*');
    expect(flag(kcm, 'leader-elect')).toBe('false');
    expect(flag(kcm, 'secure-port')).toBe('2004');
    expect(flag(kcm, 'service-account-private-key-file')).toBe(pki.serviceAccount.privateKey);
    const scheduler = schedulerArgs(paths, ports);
    expect(flag(scheduler, 'leader-elect')).toBe('false');
    expect(flag(scheduler, 'secure-port')).toBe('2005');
  });
});

describe('certificates', () => {
  test('leaf certificates are not CAs and carry their usage and alt names', () => {
    const server = opensslConfig({ subject: '/CN=x', usage: 'server', altNames: ['IP:127.0.0.1', 'DNS:localhost'] });
    expect(server).toContain('basicConstraints = critical,CA:FALSE');
    expect(server).toContain('extendedKeyUsage = serverAuth');
    expect(server).toContain('subjectAltName = IP:127.0.0.1,DNS:localhost');
    expect(opensslConfig({ subject: '/CN=x', usage: 'client' })).toContain('extendedKeyUsage = clientAuth');
    expect(opensslConfig({ subject: '/CN=ca', usage: 'ca' })).toContain('basicConstraints = critical,CA:TRUE');
  });
});

describe('kubeconfig', () => {
  test('embeds the CA and client certificate and selects its context', () => {
    const text = renderKubeconfig({ server: 'https://127.0.0.1:2003', caPem: 'CA', certPem: 'CERT', keyPem: 'KEY', user: 'admin' });
    const config = yaml.load(text) as {
      'current-context': string;
      clusters: Array<{ cluster: Record<string, string> }>;
      users: Array<{ name: string; user: Record<string, string> }>;
    };
    expect(config['current-context']).toBe('wasi-operator-local');
    expect(config.clusters[0]?.cluster.server).toBe('https://127.0.0.1:2003');
    expect(Buffer.from(config.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64').toString()).toBe('CA');
    expect(Buffer.from(config.users[0]?.user['client-key-data'] ?? '', 'base64').toString()).toBe('KEY');
  });
});

describe('tool pins', () => {
  test("go build's output name skips a major-version suffix", () => {
    expect(goOutputName(ETCD, '.')).toBe('server');
    expect(binaryNames(ETCD)).toEqual(['etcd']);
    expect(KUBERNETES.packages.map((pkg) => goOutputName(KUBERNETES, pkg))).toEqual(binaryNames(KUBERNETES));
  });
});
