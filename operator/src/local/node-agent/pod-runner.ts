// Runs one Pod bound to this node as local processes, the way a kubelet would
// for restartPolicy Never: volumes, init containers in order, the Dapr
// sidecar when annotated, the app containers, then the final status with
// each container's exit code and termination message.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig, type V1Container, type V1Pod, type V1PodStatus } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { errorMessage, WasiOperatorError } from '../../util/errors.js';
import { resolveContainerEnv } from './container-env.js';
import { startDaprSidecar, wantsDaprSidecar, type DaprSidecar } from './dapr-sidecar.js';
import { isRunnable, localArgv, unsupportedContainer } from './local-command.js';
import { startLocalProcess, type LocalProcess } from './local-process.js';
import { finishedStatus, rejectedStatus, runningStatus, type ContainerOutcome } from './pod-status.js';
import { mountsFor, prepareVolumes } from './pod-volumes.js';
import { terminationMessage } from './termination-message.js';

export interface PodRunnerDeps {
  kc: KubeConfig;
  /** Pod directories (volumes, logs, message files) go under WORK_DIR/pods. */
  workDir: string;
  /** argv prefix that runs wasi-host here, e.g. [node, <repo>/bin/wasi-host.mjs]. */
  hostCommand: string[];
  /** daprd for Pods annotated dapr.io/enabled; without it such Pods fail. */
  daprdPath?: string;
  log: Logger;
}

const STATUS_WRITE_ATTEMPTS = 5;
const codeOf = (err: unknown): number | undefined => (err as { code?: number }).code;

/** Writes `status` to the Pod's status subresource, re-reading on conflicts; a Pod that is gone (or replaced) is left alone. */
export async function writePodStatus(core: CoreV1Api, pod: V1Pod, status: V1PodStatus): Promise<void> {
  const { name, namespace, uid } = pod.metadata!;
  for (let attempt = 1; ; attempt++) {
    try {
      const current = await core.readNamespacedPod({ name: name!, namespace: namespace! });
      if (current.metadata?.uid !== uid) return;
      current.status = status;
      await core.replaceNamespacedPodStatus({ name: name!, namespace: namespace!, body: current });
      return;
    } catch (err) {
      if (codeOf(err) === 404) return;
      if (codeOf(err) !== 409 || attempt >= STATUS_WRITE_ATTEMPTS) throw err;
    }
  }
}

function failureReason(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  switch (code) {
    case 'ERR_NODE_AGENT_UNSUPPORTED_CONTAINER':
      return 'UnsupportedContainer';
    case 'ERR_NODE_AGENT_VOLUME':
      return 'FailedMount';
    case 'ERR_NODE_AGENT_CONTAINER_CONFIG':
      return 'CreateContainerConfigError';
    case 'ERR_NODE_AGENT_SIDECAR':
      return 'SidecarFailed';
    default:
      return 'NodeAgentError';
  }
}

export class PodRun {
  readonly done: Promise<void>;
  private readonly core: CoreV1Api;
  private readonly processes = new Set<LocalProcess>();
  private readonly podDir: string;
  private readonly log: Logger;
  private sidecar: DaprSidecar | undefined;
  private stopping = false;

  constructor(
    private readonly pod: V1Pod,
    private readonly deps: PodRunnerDeps,
  ) {
    const { namespace, name, uid } = pod.metadata!;
    this.core = deps.kc.makeApiClient(CoreV1Api);
    this.podDir = join(deps.workDir, 'pods', `${namespace}_${name}_${uid}`);
    this.log = deps.log.child({ pod: `${namespace}/${name}` });
    this.done = this.run().catch((err: unknown) => this.log.error({ err }, 'pod run failed'));
  }

  /** Ends the Pod's processes (SIGTERM, SIGKILL after `graceMs`) without writing a final status: the Pod is being deleted. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.processes].map((p) => p.stop(graceMs)));
    await this.sidecar?.stop();
    await this.done;
  }

  private async run(): Promise<void> {
    mkdirSync(this.podDir, { recursive: true });
    const spec = this.pod.spec!;
    let volumes: Map<string, string>;
    try {
      const unsupported = [...(spec.initContainers ?? []), ...spec.containers].find((c) => !isRunnable(c));
      if (unsupported) throw unsupportedContainer(unsupported);
      volumes = await prepareVolumes(this.core, this.pod, this.podDir);
      if (wantsDaprSidecar(this.pod) && !this.deps.daprdPath) {
        throw new WasiOperatorError('ERR_NODE_AGENT_SIDECAR', 'the Pod wants a Dapr sidecar but the node agent has no daprd; run `wasi-operator tools ensure daprd`');
      }
    } catch (err) {
      return this.reject(err);
    }

    const startedAt = new Date();
    const initOutcomes: ContainerOutcome[] = [];
    for (const container of spec.initContainers ?? []) {
      const outcome = await this.runContainer(container, volumes, {}).then((run) => run.outcome).catch((err: unknown) => this.rejectAndStop(err));
      if (!outcome || this.stopping) return;
      initOutcomes.push(outcome);
      if (outcome.exitCode !== 0) return this.writeStatus(finishedStatus(this.pod, startedAt, initOutcomes, []));
    }

    try {
      if (wantsDaprSidecar(this.pod)) this.sidecar = await startDaprSidecar(this.deps.kc, this.pod, this.podDir, this.deps.daprdPath!);
      if (this.stopping) {
        // stop() ran while daprd was starting, before this.sidecar was set: stop it here.
        await this.sidecar?.stop();
        return;
      }
      const runs = await Promise.all(spec.containers.map((c) => this.runContainer(c, volumes, this.sidecar?.env ?? {})));
      await this.writeStatus(runningStatus(this.pod, startedAt, Object.fromEntries(runs.map((r) => [r.name, r.pid])), initOutcomes));
      const outcomes = await Promise.all(runs.map((r) => r.outcome));
      await this.sidecar?.stop();
      if (!this.stopping) await this.writeStatus(finishedStatus(this.pod, startedAt, initOutcomes, outcomes));
    } catch (err) {
      await this.rejectAndStop(err);
    }
  }

  private async runContainer(container: V1Container, volumes: Map<string, string>, extraEnv: Record<string, string>) {
    const env = { ...(await resolveContainerEnv(this.core, this.pod, container)), ...extraEnv };
    const messageFile = join(this.podDir, `${container.name}.termination-log`);
    const logPath = join(this.podDir, `${container.name}.log`);
    const argv = localArgv(container, this.deps.hostCommand, env, mountsFor(container, volumes), messageFile);
    const startedAt = new Date();
    const proc = startLocalProcess(argv[0]!, argv.slice(1), {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      cwd: this.podDir,
      logPath,
    });
    this.processes.add(proc);
    this.log.info({ container: container.name, pid: proc.pid, logPath }, 'container started');
    const outcome = proc.exitCode.then((exitCode): ContainerOutcome => {
      this.log.info({ container: container.name, exitCode }, 'container exited');
      return {
        name: container.name,
        exitCode,
        message: terminationMessage(messageFile, logPath, container.terminationMessagePolicy, exitCode),
        startedAt,
        finishedAt: new Date(),
        pid: proc.pid,
      };
    });
    return { name: container.name, pid: proc.pid, outcome };
  }

  private async reject(err: unknown): Promise<void> {
    this.log.warn({ err }, 'cannot run pod');
    await this.writeStatus(rejectedStatus(this.pod, failureReason(err), errorMessage(err)));
  }

  private async rejectAndStop(err: unknown): Promise<undefined> {
    await Promise.all([...this.processes].map((p) => p.stop(0)));
    await this.sidecar?.stop();
    if (!this.stopping) await this.reject(err);
    return undefined;
  }

  private async writeStatus(status: V1PodStatus): Promise<void> {
    if (this.stopping) return;
    await writePodStatus(this.core, this.pod, status);
  }
}
