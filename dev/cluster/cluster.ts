// The local control plane: etcd, kube-apiserver, kube-controller-manager and
// kube-scheduler as detached processes recorded in a state dir. The CLI
// (`wasi-dev cluster up|down|status`) and the test helper both use this.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { WasiOperatorError } from '../../operator/src/util/errors.js';
import { DevError } from '../dev-errors.js';
import { ensureTool, isToolCurrent, toolPaths, type ProgressReporter } from '../tools/go-build.js';
import { ETCD, KUBERNETES, RUNC } from '../tools/pins.js';
import {
  apiserverArgs,
  apiserverUrl,
  controllerManagerArgs,
  etcdArgs,
  etcdUrl,
  schedulerArgs,
  type ClusterPorts,
} from './component-args.js';
import { launchComponent, startFailure } from './component-launcher.js';
import { defaultCrdDir, installCrds } from './crds.js';
import { freePorts } from './free-port.js';
import { writeKubeconfig } from './kubeconfig.js';
import { generatePki, pkiPaths } from './pki.js';
import { clientTls, probe } from './probes.js';
import { findProcessesUsing, isRunning, stopProcesses, type ProcessRef } from './processes.js';
import { clusterPaths, COMPONENTS, defaultStateDir, NODE_COMPONENTS, type ClusterPaths, type ComponentName, type ProcessName } from './state-dir.js';
import { NODE_NETWORK, nodePaths } from '../node/node-layout.js';
import { claimNode, nodeOwner, releaseNode, setUpHostNetwork, tearDownHostNetwork } from '../node/host-network.js';
import { tearDownNodeWorkloads } from '../node/node-teardown.js';
import { ensureNodeBinaries, startNode, startRegistryAndImages, type NodeBinaries, type NodeStartContext } from '../node/node.js';
import { readState, STATE_VERSION, writeState, type ClusterState } from './state-file.js';

export interface StartClusterOptions {
  /** Default: `$WASI_OPERATOR_HOME` or `./.wasi-operator`. */
  stateDir?: string;
  /** Directory of CRD manifests to install; default the repo's `crds/`; `false` installs none. */
  crdDir?: string | false;
  /** Human progress lines; default `[cluster] …` on stderr. */
  progress?: ProgressReporter;
  /** How long one component may take to become ready; default 120 s. */
  componentTimeoutMs?: number;
  /**
   * Run a real node: a local registry with the project's images, containerd,
   * runc and the CNI bridge, the kubelet and kube-proxy, CoreDNS and a Redis;
   * one per machine, and it needs root. Off by default (the control-plane
   * tests need no node).
   */
  node?: boolean;
  /** With `node`: install Dapr's control plane from Dapr's chart; default true. */
  dapr?: boolean;
}

export interface ClusterHandle {
  stateDir: string;
  /** Admin kubeconfig (O=system:masters), certificates embedded. */
  kubeconfigPath: string;
  /** `https://127.0.0.1:PORT` */
  server: string;
  pids: Record<ComponentName, number>;
  /** True when `startCluster` found this cluster already running and reused it. */
  alreadyRunning: boolean;
  /** Names of the CRDs installed from `crdDir`, all Established. */
  crds: string[];
  /** A fresh client-node KubeConfig loaded from `kubeconfigPath`. */
  kubeConfig(): KubeConfig;
  /** Same as `stopCluster(stateDir)`. */
  stop(): Promise<void>;
}

export interface ComponentStatus {
  name: ProcessName;
  pid: number;
  running: boolean;
  log: string;
}

export interface ClusterStatus {
  stateDir: string;
  /** `running`: every component alive and /readyz ok; `degraded`: recorded, but not all of that. */
  phase: 'stopped' | 'starting' | 'running' | 'degraded';
  kubeconfigPath?: string;
  server?: string;
  components: ComponentStatus[];
}

const DEFAULT_COMPONENT_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 10_000;
const PORT_RACE_ATTEMPTS = 2;
/** What `up` creates in a state dir; a clean-up before a new start removes exactly these. */
const OWNED_ENTRIES = ['.wasi-operator-cluster', 'cluster.json', 'cluster.json.tmp', 'kubeconfig', 'pki', 'etcd', 'logs', 'node'];
const PROCESS_NAMES: readonly ProcessName[] = [...COMPONENTS, ...NODE_COMPONENTS];

const stderrProgress: ProgressReporter = (line) => process.stderr.write(`[cluster] ${line}\n`);

function loadKubeConfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

function recordedProcesses(state: ClusterState | undefined): Array<ProcessRef & { name: ProcessName }> {
  if (!state) return [];
  return PROCESS_NAMES.flatMap((name) => {
    const record = state.components[name];
    return record ? [{ name, pid: record.pid, binary: record.binary }] : [];
  });
}

function adminTls(paths: ClusterPaths) {
  const pki = pkiPaths(paths.pkiDir);
  return clientTls(pki.ca, pki.admin);
}

async function isHealthy(paths: ClusterPaths, state: ClusterState | undefined): Promise<boolean> {
  if (!state || state.phase !== 'running' || !existsSync(paths.kubeconfig)) return false;
  const controlPlane = recordedProcesses(state).filter(({ name }) => (COMPONENTS as readonly string[]).includes(name));
  if (controlPlane.length !== COMPONENTS.length || !controlPlane.every(({ pid, binary }) => isRunning(pid, binary))) return false;
  if (state.node) {
    const node = recordedProcesses(state).filter(({ name }) => (NODE_COMPONENTS as readonly string[]).includes(name));
    if (node.length !== NODE_COMPONENTS.length || !node.every(({ pid, binary }) => isRunning(pid, binary))) return false;
  }
  try {
    return await probe(`${state.server}/readyz`, adminTls(paths));
  } catch {
    return false;
  }
}

function findOurProcesses(paths: ClusterPaths): ProcessRef[] {
  const names: readonly string[] = [...COMPONENTS, ...NODE_COMPONENTS];
  return findProcessesUsing(paths.stateDir, (argv) => names.includes(basename(argv[0] ?? '')));
}

/** Stops the recorded processes and any stray one still using the state dir: clients, then the API server, then etcd. */
async function stopEverything(paths: ClusterPaths, state: ClusterState | undefined, graceMs: number): Promise<void> {
  const recorded = recordedProcesses(state);
  const strays = findOurProcesses(paths).filter((p) => !recorded.some((r) => r.pid === p.pid));
  const all = [...recorded, ...strays];
  await stopNode(paths, all, graceMs);
  const isApiserver = (p: ProcessRef) => basename(p.binary) === 'kube-apiserver';
  const isEtcd = (p: ProcessRef) => basename(p.binary) === 'etcd';
  // Dependants first, so nothing spends its grace period retrying a dependency that is already gone.
  await stopProcesses(all.filter((p) => !isApiserver(p) && !isEtcd(p)), graceMs);
  await stopProcesses(all.filter(isApiserver), graceMs);
  await stopProcesses(all.filter(isEtcd), graceMs);
}

/**
 * The node goes first and in order: the kubelet and kube-proxy, then the
 * containers (they outlive containerd), containerd, the registry, and last
 * what the node changed on the machine. Harmless when there was no node.
 */
async function stopNode(paths: ClusterPaths, processes: ProcessRef[], graceMs: number): Promise<void> {
  const node = nodePaths(paths.stateDir);
  if (!existsSync(node.dir)) return;
  const named = (name: string) => processes.filter((p) => basename(p.binary) === name);
  await stopProcesses([...named('kubelet'), ...named('kube-proxy')], graceMs);
  await tearDownNodeWorkloads(node, isToolCurrent(RUNC) ? toolPaths(RUNC).runc : undefined);
  await stopProcesses(named('containerd'), graceMs);
  await stopProcesses(named('registry'), graceMs);
  await tearDownNodeWorkloads(node, undefined);
  await tearDownHostNetwork(node);
  releaseNode(paths.stateDir);
}

/**
 * One node per machine: refuses while another cluster's node runs; the
 * leftovers of one whose processes are all gone (a crash, a machine whose
 * session ended) are cleaned up first.
 */
async function takeNode(paths: ClusterPaths, progress: ProgressReporter): Promise<void> {
  const owner = nodeOwner();
  if (owner && owner !== paths.stateDir) {
    const ownerPaths = clusterPaths(owner);
    const alive = recordedProcesses(readState(ownerPaths.stateFile)).filter(({ pid, binary }) => isRunning(pid, binary));
    if (alive.length > 0) {
      throw new DevError(
        'ERR_NODE_TAKEN',
        `the cluster in ${owner} runs this machine's node (one per machine); stop it first with \`wasi-dev cluster down --state-dir ${owner}\``,
      );
    }
    progress(`cleaning up the node of the stopped cluster in ${owner}`);
    await stopNode(ownerPaths, [], 0);
  }
  claimNode(paths.stateDir);
}

function removeOwnedEntries(paths: ClusterPaths): void {
  for (const entry of OWNED_ENTRIES) rmSync(join(paths.stateDir, entry), { recursive: true, force: true });
}

async function waitForDefaultServiceAccount(kc: KubeConfig, controllerManager: ProcessRef, log: string, timeoutMs: number): Promise<void> {
  // ServiceAccount admission rejects Pods until the controller-manager has
  // created the namespace's `default` ServiceAccount.
  const api = kc.makeApiClient(CoreV1Api);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await api.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
      return;
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
    if (!isRunning(controllerManager.pid, controllerManager.binary)) throw startFailure('kube-controller-manager', log, 'exited during start');
    if (Date.now() >= deadline) throw startFailure('kube-controller-manager', log, `did not create the default ServiceAccount within ${timeoutMs / 1000}s`);
    await sleep(100);
  }
}

async function ensureBinaries(): Promise<Record<ComponentName, string>> {
  const etcd = await ensureTool(ETCD);
  const kubernetes = await ensureTool(KUBERNETES);
  return {
    etcd: etcd.etcd ?? '',
    'kube-apiserver': kubernetes['kube-apiserver'] ?? '',
    'kube-controller-manager': kubernetes['kube-controller-manager'] ?? '',
    'kube-scheduler': kubernetes['kube-scheduler'] ?? '',
  };
}

async function launchAll(
  paths: ClusterPaths,
  binaries: Record<ComponentName, string>,
  nodeBinaries: NodeBinaries | undefined,
  options: Required<Omit<StartClusterOptions, 'stateDir'>>,
): Promise<{ state: ClusterState; crds: string[] }> {
  const { progress, componentTimeoutMs } = options;
  mkdirSync(paths.logsDir, { recursive: true });
  writeFileSync(paths.marker, 'This directory holds a local control plane made by `wasi-dev cluster up`; `wasi-dev cluster down` removes it.\n');
  const node = nodePaths(paths.stateDir);
  if (nodeBinaries) {
    mkdirSync(node.dir, { recursive: true });
    await takeNode(paths, progress);
    await setUpHostNetwork(node);
  }

  const pki = await generatePki(paths.pkiDir);
  const [etcdClient, etcdPeer, apiserver, controllerManager, scheduler] = await freePorts(5);
  const ports: ClusterPorts = { etcdClient: etcdClient!, etcdPeer: etcdPeer!, apiserver: apiserver!, controllerManager: controllerManager!, scheduler: scheduler! };
  const address = nodeBinaries ? { host: NODE_NETWORK.nodeIp, advertise: true } : undefined;
  const server = apiserverUrl(ports, address);
  writeKubeconfig(paths.kubeconfig, server, pki.ca, pki.admin, 'wasi-operator-admin');
  writeKubeconfig(paths.componentKubeconfig('kube-controller-manager'), server, pki.ca, pki.controllerManager, 'system:kube-controller-manager');
  writeKubeconfig(paths.componentKubeconfig('kube-scheduler'), server, pki.ca, pki.scheduler, 'system:kube-scheduler');

  const state: ClusterState = {
    version: STATE_VERSION,
    phase: 'starting',
    server,
    kubeconfig: paths.kubeconfig,
    ports,
    components: {},
    startedAt: new Date().toISOString(),
    ...(nodeBinaries && { node: { dapr: options.dapr } }),
  };
  writeState(paths.stateFile, state);
  const record = (name: ProcessName) => (entry: ClusterState['components'][ProcessName] & object) => {
    state.components[name] = entry;
    writeState(paths.stateFile, state);
  };
  const launch = (name: ComponentName, args: string[], ready: () => Promise<boolean>) =>
    launchComponent({ name, binary: binaries[name], args, log: paths.logOf(name), ready, timeoutMs: componentTimeoutMs }, record(name), progress);

  // The node's images build while the control plane starts (minutes on a
  // first run, a registry check afterwards).
  const nodeContext: NodeStartContext | undefined = nodeBinaries && {
    paths: node,
    pki,
    server,
    kubeconfigPath: paths.kubeconfig,
    kc: loadKubeConfig(paths.kubeconfig),
    binaries: nodeBinaries,
    progress,
    timeoutMs: componentTimeoutMs,
    record,
    logOf: paths.logOf,
    dapr: options.dapr,
  };
  const images = nodeContext && startRegistryAndImages(nodeContext);
  // Awaited after the control plane is up; a failure meanwhile must not go unhandled.
  images?.catch(() => undefined);

  await launch('etcd', etcdArgs(paths, ports), () => probe(`${etcdUrl(ports)}/health`));
  const tls = clientTls(pki.ca, pki.admin);
  await launch('kube-apiserver', apiserverArgs(paths, pki, ports, address), () => probe(`${server}/readyz`, tls));

  const kc = loadKubeConfig(paths.kubeconfig);
  const crdDir = options.crdDir;
  // CRDs before the controller-manager: its garbage collector discovers
  // resources at start and only every 30 s after that, so a CRD installed
  // later would leave custom-resource owners unwatched for up to 30 s.
  const [crds] = await Promise.all([
    crdDir === false ? Promise.resolve([]) : installAndReport(kc, crdDir, progress, nodeBinaries !== undefined && options.dapr),
    launch('kube-scheduler', schedulerArgs(paths, ports), () => probe(`https://127.0.0.1:${ports.scheduler}/healthz`)),
  ]);
  await launch('kube-controller-manager', controllerManagerArgs(paths, pki, ports), () => probe(`https://127.0.0.1:${ports.controllerManager}/healthz`));
  const kcm = state.components['kube-controller-manager']!;
  await waitForDefaultServiceAccount(kc, kcm, kcm.log, componentTimeoutMs);
  if (nodeContext && images) await startNode(nodeContext, images);

  state.phase = 'running';
  writeState(paths.stateFile, state);
  return { state, crds };
}

/** Dapr's chart installs Dapr's CRDs itself (and owns them); our copy is for clusters without it. */
const DAPR_CRD_GROUPS = ['dapr.io'];

async function installAndReport(kc: KubeConfig, dir: string, progress: ProgressReporter, withDaprChart = false): Promise<string[]> {
  const started = Date.now();
  const names = await installCrds(kc, dir, withDaprChart ? DAPR_CRD_GROUPS : []);
  progress(names.length > 0 ? `installed ${names.length} CRD(s) from ${dir} in ${((Date.now() - started) / 1000).toFixed(1)}s: ${names.join(', ')}` : `no CRDs found in ${dir}`);
  return names;
}

/**
 * Starts a cluster in `stateDir`, or returns the one already running there
 * (re-applying the CRDs). Leftovers of a crashed run are stopped and removed
 * first. Resolves once /readyz is ok, the CRDs are Established and the
 * controller-manager is serving.
 */
export async function startCluster(options: StartClusterOptions = {}): Promise<ClusterHandle> {
  const paths = clusterPaths(options.stateDir ?? defaultStateDir());
  const progress = options.progress ?? stderrProgress;
  const crdDir = options.crdDir ?? defaultCrdDir();
  const componentTimeoutMs = options.componentTimeoutMs ?? DEFAULT_COMPONENT_TIMEOUT_MS;
  const binaries = await ensureBinaries();
  const nodeBinaries = options.node ? await ensureNodeBinaries() : undefined;

  const previous = readState(paths.stateFile);
  if (previous && (await isHealthy(paths, previous))) {
    progress(`cluster already running at ${previous.server}`);
    const kc = loadKubeConfig(paths.kubeconfig);
    const crds = crdDir === false ? [] : await installAndReport(kc, crdDir, progress, previous.node?.dapr === true);
    return handleFor(paths, previous, true, crds);
  }
  if (previous || findOurProcesses(paths).length > 0) progress('cleaning up the leftovers of a previous run');
  await stopEverything(paths, previous, STOP_GRACE_MS);
  removeOwnedEntries(paths);

  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const { state, crds } = await launchAll(paths, binaries, nodeBinaries, {
        crdDir,
        progress,
        componentTimeoutMs,
        node: options.node ?? false,
        dapr: options.dapr ?? true,
      });
      progress(`cluster ready in ${((Date.now() - started) / 1000).toFixed(1)}s; kubeconfig: ${paths.kubeconfig}`);
      return handleFor(paths, state, false, crds);
    } catch (err) {
      // Keep the logs for the user; stop the processes so ports and the etcd lock are free.
      await stopEverything(paths, readState(paths.stateFile), 0).catch(() => undefined);
      // Free ports are picked before the components bind them; losing that race once is bad luck, not a fault.
      if (err instanceof WasiOperatorError && err.code === 'ERR_CLUSTER_PORT_IN_USE' && attempt < PORT_RACE_ATTEMPTS) {
        progress('a chosen port was taken meanwhile; starting again on new ports');
        removeOwnedEntries(paths);
        continue;
      }
      if (err instanceof WasiOperatorError) throw err;
      throw new DevError('ERR_CLUSTER_START', `starting the cluster in ${paths.stateDir} failed: ${String(err)}; logs are in ${paths.logsDir}`, { cause: err });
    }
  }
}

function handleFor(paths: ClusterPaths, state: ClusterState, alreadyRunning: boolean, crds: string[]): ClusterHandle {
  const pids = Object.fromEntries(COMPONENTS.map((name) => [name, state.components[name]?.pid ?? 0])) as Record<ComponentName, number>;
  return {
    stateDir: paths.stateDir,
    kubeconfigPath: paths.kubeconfig,
    server: state.server,
    pids,
    alreadyRunning,
    crds,
    kubeConfig: () => loadKubeConfig(paths.kubeconfig),
    stop: async () => {
      await stopCluster(paths.stateDir);
    },
  };
}

export interface StopClusterOptions {
  /** SIGTERM-to-SIGKILL grace per process; default 10 s. */
  graceMs?: number;
}

/**
 * Stops every process of the cluster in `stateDir` and removes the state dir.
 * Returns false when there was nothing to stop or remove.
 */
export async function stopCluster(stateDir: string = defaultStateDir(), options: StopClusterOptions = {}): Promise<boolean> {
  const paths = clusterPaths(stateDir);
  const state = readState(paths.stateFile);
  const hadSomething = state !== undefined || existsSync(paths.marker) || findOurProcesses(paths).length > 0;
  await stopEverything(paths, state, options.graceMs ?? STOP_GRACE_MS);
  // Only a directory `up` marked as its own is removed whole; anything else
  // loses just the entries `up` would have created.
  if (existsSync(paths.marker)) rmSync(paths.stateDir, { recursive: true, force: true });
  else removeOwnedEntries(paths);
  return hadSomething;
}

export async function clusterStatus(stateDir: string = defaultStateDir()): Promise<ClusterStatus> {
  const paths = clusterPaths(stateDir);
  const state = readState(paths.stateFile);
  if (!state) return { stateDir: paths.stateDir, phase: 'stopped', components: [] };
  const components = recordedProcesses(state).map(({ name, pid, binary }) => ({ name, pid, running: isRunning(pid, binary), log: paths.logOf(name) }));
  const healthy = await isHealthy(paths, state);
  const phase = healthy ? 'running' : state.phase === 'starting' && components.every((c) => c.running) ? 'starting' : 'degraded';
  return { stateDir: paths.stateDir, phase, kubeconfigPath: paths.kubeconfig, server: state.server, components };
}
