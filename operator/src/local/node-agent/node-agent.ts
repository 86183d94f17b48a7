// A minimal kubelet for the local cluster: registers a Ready Node, renews its
// Lease, and runs the Pods the scheduler binds to it as local processes (only
// the project's own image contracts: `wasi-host` containers, and the
// operator's own Deployment Pod from charts/wasi-operator), reporting their
// status. It also completes the deletion of its Pods, which without a kubelet
// would stay Terminating forever.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, ListWatch, Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import pino, { type Logger } from 'pino';
import { repoRoot } from '../repo-root.js';
import { markNodeNotReady, NodeHeartbeat, registerNode } from './node-registration.js';
import { DEFAULT_NODE_NAME } from './node-object.js';
import { projectImageConfig, type ImageConfig } from './image-config.js';
import { PodRun, writePodStatus, type PodRunnerDeps } from './pod-runner.js';
import { rejectedStatus } from './pod-status.js';
import { containerLogFile } from './container-logs.js';
import { startKubeletServer, type ContainerLogFile, type KubeletServer, type KubeletTls } from './kubelet-server.js';

export interface NodeAgentOptions {
  kc: KubeConfig;
  /** Pod directories (volumes, container logs, termination messages) go under WORK_DIR/pods. */
  workDir: string;
  nodeName?: string;
  /** argv prefix that runs wasi-host; default: this Node.js running the repo's bin/wasi-host.mjs. */
  hostCommand?: string[];
  /** daprd for Pods annotated dapr.io/enabled; without it those Pods fail with reason SidecarFailed. */
  daprdPath?: string;
  /** How the operator image starts; default: this checkout's Dockerfile. */
  image?: ImageConfig;
  /** Serve the kubelet API for `kubectl logs` with these certificates (the Node advertises its port); without them, no logs through the API server. */
  kubeletTls?: KubeletTls;
  log?: Logger;
}

export interface NodeAgent {
  nodeName: string;
  /** The kubelet API's port on 127.0.0.1, when it is served. */
  kubeletPort?: number;
  /** Kills the Pods' processes, stops watching and reports the Node NotReady. */
  stop(): Promise<void>;
}

const DEFAULT_GRACE_SECONDS = 30;
const MIN_RESTART_BACKOFF_MS = 500;
const MAX_RESTART_BACKOFF_MS = 30_000;

export function defaultHostCommand(): string[] {
  return [process.execPath, join(repoRoot(), 'bin', 'wasi-host.mjs')];
}

const isFinished = (pod: V1Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

export async function startNodeAgent(options: NodeAgentOptions): Promise<NodeAgent> {
  const nodeName = options.nodeName ?? DEFAULT_NODE_NAME;
  const log = (options.log ?? pino({ name: 'wasi-node-agent' })).child({ node: nodeName });
  const { kc } = options;
  const core = kc.makeApiClient(CoreV1Api);
  const deps: PodRunnerDeps = {
    kc,
    workDir: options.workDir,
    hostCommand: options.hostCommand ?? defaultHostCommand(),
    image: options.image ?? projectImageConfig(),
    runtime: { nodePath: process.execPath, repoRoot: repoRoot() },
    log,
    ...(options.daprdPath && { daprdPath: options.daprdPath }),
  };
  const runs = new Map<string, PodRun>();
  const finalizing = new Set<string>();
  let stopped = false;

  const podsDir = join(options.workDir, 'pods');
  // A Pod's directory is NAMESPACE_NAME_UID (names have no underscores): the
  // running instance of that name, else the newest one that ran here.
  function locateLog(namespace: string, pod: string, container: string, previous: boolean): ContainerLogFile | { missing: string } {
    const prefix = `${namespace}_${pod}_`;
    const dirs = existsSync(podsDir) ? readdirSync(podsDir).filter((dir) => dir.startsWith(prefix)) : [];
    const uidOf = (dir: string) => dir.slice(prefix.length);
    const dir = dirs.find((d) => runs.has(uidOf(d))) ?? dirs.sort((a, b) => statSync(join(podsDir, b)).mtimeMs - statSync(join(podsDir, a)).mtimeMs)[0];
    const path = dir && join(podsDir, dir, containerLogFile(container, previous));
    if (!path || !existsSync(path)) {
      return {
        missing: previous
          ? `previous terminated container "${container}" in pod "${pod}" not found`
          : `container "${container}" in pod "${pod}" is waiting to start: no log on node ${nodeName} yet`,
      };
    }
    const uid = uidOf(dir);
    // The previous instance writes no more.
    return { path, isRunning: () => !previous && runs.has(uid) };
  }
  let kubelet: KubeletServer | undefined;
  if (options.kubeletTls) kubelet = await startKubeletServer({ tls: options.kubeletTls, locateLog, log });

  let node;
  try {
    node = await registerNode(kc, nodeName, kubelet?.port);
  } catch (err) {
    await kubelet?.close();
    throw err;
  }
  const heartbeat = new NodeHeartbeat(kc, node, log);
  await heartbeat.start();
  log.info('node registered');

  // The last step of a graceful delete is the kubelet's: stop the containers,
  // then delete with grace 0 (uid precondition: never a newer Pod of the same name).
  async function finalizeDeletion(pod: V1Pod): Promise<void> {
    const uid = pod.metadata!.uid!;
    if (finalizing.has(uid)) return;
    finalizing.add(uid);
    try {
      const grace = (pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
      await runs.get(uid)?.stop(grace);
      runs.delete(uid);
      // Both in the body: the API server ignores query parameters when a body is sent.
      await core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, body: { gracePeriodSeconds: 0, preconditions: { uid } } });
      log.info({ pod: `${pod.metadata!.namespace}/${pod.metadata!.name}` }, 'pod deletion completed');
    } catch (err) {
      if ((err as { code?: number }).code !== 404 && (err as { code?: number }).code !== 409) log.warn({ err }, 'completing pod deletion failed');
    } finally {
      finalizing.delete(uid);
    }
  }

  function onPod(pod: V1Pod): void {
    if (stopped) return;
    const uid = pod.metadata?.uid;
    if (!uid) return;
    if (pod.metadata?.deletionTimestamp) {
      void finalizeDeletion(pod);
      return;
    }
    if (runs.has(uid) || isFinished(pod)) return;
    if (pod.status?.phase === 'Running' && pod.spec?.restartPolicy === 'Never') {
      // Started by an earlier agent whose processes died with it; restartPolicy Never means it stays failed.
      // (Any other policy: the kubelet would start its containers again, and so does the run below.)
      void writePodStatus(core, pod, rejectedStatus(pod, 'NodeAgentRestarted', 'the local node agent restarted while this Pod ran')).catch((err: unknown) =>
        log.warn({ err }, 'status write failed'),
      );
      return;
    }
    const run = new PodRun(pod, deps);
    runs.set(uid, run);
    void run.done.then(() => {
      if (runs.get(uid) === run && !finalizing.has(uid)) runs.delete(uid);
    });
  }

  function onPodGone(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    const run = uid ? runs.get(uid) : undefined;
    if (!run) return;
    runs.delete(uid!);
    void run.stop(0);
  }

  // client-node's ListWatch relists on 410 and reconnects after timeouts but
  // stops for good on other errors: start it again with backoff.
  const fieldSelector = `spec.nodeName=${nodeName}`;
  const informer = new ListWatch<V1Pod>('/api/v1/pods', new Watch(kc), () => core.listPodForAllNamespaces({ fieldSelector }), false, undefined, fieldSelector);
  informer.on('add', onPod);
  informer.on('update', onPod);
  informer.on('delete', onPodGone);
  let backoffMs = MIN_RESTART_BACKOFF_MS;
  let restartTimer: NodeJS.Timeout | undefined;
  informer.on('connect', () => (backoffMs = MIN_RESTART_BACKOFF_MS));
  informer.on('error', (err: unknown) => {
    if (stopped) return;
    log.warn({ err, retryInMs: backoffMs }, 'pod watch failed');
    restartTimer = setTimeout(() => void informer.start().catch(() => undefined), backoffMs);
    backoffMs = Math.min(backoffMs * 2, MAX_RESTART_BACKOFF_MS);
  });
  await informer.start();

  return {
    nodeName,
    ...(kubelet && { kubeletPort: kubelet.port }),
    async stop() {
      stopped = true;
      if (restartTimer) clearTimeout(restartTimer);
      await informer.stop();
      heartbeat.stop();
      await Promise.all([...runs.values()].map((run) => run.stop(0)));
      runs.clear();
      await kubelet?.close();
      await markNodeNotReady(kc, nodeName).catch((err: unknown) => log.warn({ err }, 'cannot report the node NotReady'));
    },
  };
}
