// The local cluster's real node: a local OCI registry, containerd with runc
// and the CNI bridge, the kubelet and kube-proxy, then the cluster add-ons
// (CoreDNS, Redis) and Dapr's control plane from Dapr's chart. Every process
// is a detached component recorded in the cluster's state like the control
// plane's, so `down` and a crashed run's clean-up find them.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppsV1Api, CoreV1Api, KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { DevError } from '../dev-errors.js';
import { launchComponent } from '../cluster/component-launcher.js';
import { writeKubeconfig } from '../cluster/kubeconfig.js';
import type { Pki } from '../cluster/pki.js';
import { probe } from '../cluster/probes.js';
import { binDir, cacheRoot } from '../tools/cache-dir.js';
import { ensureTool, type ProgressReporter } from '../tools/go-build.js';
import { CNI_PLUGINS, CONTAINERD, HELM, KUBERNETES, REGISTRY, RUNC } from '../tools/pins.js';
import { ensureImages, PAUSE_IMAGE, type ImageSet } from '../images/images.js';
import { registryCommandLine, waitForRegistry } from '../images/registry.js';
import { corednsManifests, kubeletApiAccess, redisManifests } from './cluster-addons.js';
import { containerdConfig, cniConflist, hostsToml, registryHostDirs } from './containerd-config.js';
import { installDapr } from './dapr-install.js';
import type { HelmContext } from './helm.js';
import { kubeletArgs, kubeletConfig, kubeProxyArgs, kubeProxyConfig } from './kubelet-config.js';
import { NODE_NAME, NODE_PORTS, REGISTRY_ADDRESS, type NodePaths } from './node-layout.js';
import type { ComponentRecord } from '../cluster/state-file.js';
import type { NodeComponentName } from '../cluster/state-dir.js';

const FIELD_MANAGER = 'wasi-operator-cluster';

export interface NodeBinaries {
  containerd: string;
  runc: string;
  cniBinDir: string;
  kubelet: string;
  kubeProxy: string;
  registry: string;
  helm: string;
}

export async function ensureNodeBinaries(progress?: ProgressReporter): Promise<NodeBinaries> {
  const [containerd, runc, cni, kubernetes, registry, helm] = [
    await ensureTool(CONTAINERD, progress),
    await ensureTool(RUNC, progress),
    await ensureTool(CNI_PLUGINS, progress),
    await ensureTool(KUBERNETES, progress),
    await ensureTool(REGISTRY, progress),
    await ensureTool(HELM, progress),
  ];
  return {
    containerd: containerd.containerd!,
    runc: runc.runc!,
    cniBinDir: join(cni.bridge!, '..'),
    kubelet: kubernetes.kubelet!,
    kubeProxy: kubernetes['kube-proxy']!,
    registry: registry.registry!,
    helm: helm.helm!,
  };
}

export interface NodeStartContext {
  paths: NodePaths;
  pki: Pki;
  server: string;
  kubeconfigPath: string;
  kc: KubeConfig;
  binaries: NodeBinaries;
  progress: ProgressReporter;
  timeoutMs: number;
  /** Records a spawned process in the cluster's state before it is waited for. */
  record: (name: NodeComponentName) => (entry: ComponentRecord) => void;
  logOf: (name: NodeComponentName) => string;
  /** Install Dapr's control plane; default true. */
  dapr: boolean;
}

export function helmContext(kubeconfig: string, helm: string, paths: NodePaths): HelmContext {
  return { helm, kubeconfig, helmHome: join(paths.dir, 'helm') };
}

/** The registry's storage lives in the cache: pushed images survive `down` and a new `up` pushes nothing. */
export function registryStorageDir(): string {
  return join(cacheRoot(), 'registry');
}

export async function startRegistry(ctx: NodeStartContext): Promise<void> {
  const { binary, args, env } = registryCommandLine({ binary: ctx.binaries.registry, storageDir: registryStorageDir(), address: REGISTRY_ADDRESS, configDir: ctx.paths.dir });
  await launchComponent(
    { name: 'registry', binary, args, env, log: ctx.logOf('registry'), ready: () => waitForRegistry(REGISTRY_ADDRESS, 0).then(() => true, () => false), timeoutMs: ctx.timeoutMs },
    ctx.record('registry'),
    ctx.progress,
  );
}

function writeNodeConfig(ctx: NodeStartContext): void {
  const { paths, pki, binaries, server } = ctx;
  for (const dir of [paths.containerdRoot, paths.containerdState, paths.runcRoot, paths.cniConfDir, paths.cniDataDir, paths.kubeletDir, paths.podLogsDir]) mkdirSync(dir, { recursive: true });
  writeFileSync(paths.containerdConfig, containerdConfig({ paths, runcBinary: binaries.runc, cniBinDir: binaries.cniBinDir, sandboxImage: PAUSE_IMAGE }));
  for (const host of registryHostDirs(REGISTRY_ADDRESS)) {
    mkdirSync(join(paths.registryHostsDir, host), { recursive: true });
    writeFileSync(join(paths.registryHostsDir, host, 'hosts.toml'), hostsToml(REGISTRY_ADDRESS));
  }
  writeFileSync(join(paths.cniConfDir, '10-wasi-pods.conflist'), cniConflist(paths));
  writeFileSync(paths.kubeletConfig, kubeletConfig(paths, pki));
  writeFileSync(paths.kubeProxyConfig, kubeProxyConfig(paths));
  writeKubeconfig(paths.kubeletKubeconfig, server, pki.ca, pki.kubeletNode, `system:node:${NODE_NAME}`);
  writeKubeconfig(paths.kubeProxyKubeconfig, server, pki.ca, pki.kubeProxy, 'system:kube-proxy');
}

async function containerdReady(paths: NodePaths): Promise<boolean> {
  return existsSync(paths.containerdSocket);
}

async function nodeReady(kc: KubeConfig): Promise<boolean> {
  try {
    const node = await kc.makeApiClient(CoreV1Api).readNode({ name: NODE_NAME });
    return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  } catch {
    return false;
  }
}

export async function applyObjects(kc: KubeConfig, objects: KubernetesObject[]): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const object of objects) {
    await api.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  }
}

async function waitForDeployments(kc: KubeConfig, deployments: Array<{ namespace: string; name: string }>, timeoutMs: number): Promise<void> {
  const apps = kc.makeApiClient(AppsV1Api);
  const deadline = Date.now() + timeoutMs;
  for (const { namespace, name } of deployments) {
    for (;;) {
      const deployment = await apps.readNamespacedDeployment({ name, namespace }).catch(() => undefined);
      if ((deployment?.status?.availableReplicas ?? 0) >= 1) break;
      if (Date.now() >= deadline) {
        throw new DevError('ERR_NODE_ADDON', `Deployment ${namespace}/${name} was not available within ${timeoutMs / 1000}s; see \`kubectl describe pods -n ${namespace}\``);
      }
      await sleep(250);
    }
  }
}

/**
 * Starts containerd, the kubelet and kube-proxy (the registry and the images
 * are ready by then), installs the add-ons and, unless told not to, Dapr.
 */
export async function startNode(ctx: NodeStartContext, images: Promise<ImageSet>): Promise<void> {
  const { paths, binaries, progress, timeoutMs, kc } = ctx;
  writeNodeConfig(ctx);
  // The shim is found next to containerd on PATH.
  const env = { PATH: `${binDir()}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` };
  await launchComponent(
    { name: 'containerd', binary: binaries.containerd, args: ['--config', paths.containerdConfig], log: ctx.logOf('containerd'), ready: () => containerdReady(paths), timeoutMs, env },
    ctx.record('containerd'),
    progress,
  );
  await launchComponent(
    { name: 'kubelet', binary: binaries.kubelet, args: kubeletArgs(paths), log: ctx.logOf('kubelet'), ready: () => nodeReady(kc), timeoutMs, env },
    ctx.record('kubelet'),
    progress,
  );
  await launchComponent(
    { name: 'kube-proxy', binary: binaries.kubeProxy, args: kubeProxyArgs(paths), log: ctx.logOf('kube-proxy'), ready: () => probe(`http://127.0.0.1:${NODE_PORTS.kubeProxyHealthz}/healthz`), timeoutMs, env },
    ctx.record('kube-proxy'),
    progress,
  );

  const set = await images;
  const started = Date.now();
  await applyObjects(kc, [...kubeletApiAccess(), ...corednsManifests(set.coredns), ...redisManifests(set.redis)]);
  await waitForDeployments(kc, [{ namespace: 'kube-system', name: 'coredns' }, { namespace: 'redis', name: 'redis-master' }], timeoutMs);
  progress(`CoreDNS and Redis running in ${((Date.now() - started) / 1000).toFixed(1)}s`);

  if (ctx.dapr) {
    const daprStarted = Date.now();
    progress("installing Dapr's control plane from Dapr's Helm chart…");
    await installDapr(helmContext(ctx.kubeconfigPath, binaries.helm, paths), Math.round(timeoutMs / 1000) * 3);
    progress(`Dapr's control plane running in ${((Date.now() - daprStarted) / 1000).toFixed(1)}s`);
  }
}

/** The registry and every image the node runs, built and pushed when their inputs changed. */
export async function startRegistryAndImages(ctx: NodeStartContext): Promise<ImageSet> {
  await startRegistry(ctx);
  return ensureImages({ registry: REGISTRY_ADDRESS, progress: ctx.progress });
}
