// Runs one Pod bound to this node as local processes, the way a kubelet
// would: volumes (the service-account token included), init containers in
// order, the Dapr sidecar when annotated, then the app containers, each kept
// by a supervisor that probes it and restarts it as the restartPolicy says;
// the status follows every change, and a Pod whose containers all ended for
// good gets its final status with each exit code and termination message.
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig, type V1Container, type V1Pod, type V1PodStatus } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { errorMessage, WasiOperatorError } from '../../util/errors.js';
import { freePorts } from '../cluster/free-port.js';
import { isPodProcessArgv } from '../cluster/node-agent-process.js';
import { findProcessesWorkingIn, stopProcesses } from '../cluster/processes.js';
import { resolveContainerEnv } from './container-env.js';
import { containerLogFile } from './container-logs.js';
import { probeTarget, type ProbeTarget } from './container-probes.js';
import { ContainerSupervisor, type LaunchedContainer } from './container-supervisor.js';
import { startDaprSidecar, wantsDaprSidecar, type DaprSidecar } from './dapr-sidecar.js';
import type { ImageConfig } from './image-config.js';
import { provideInClusterConfig } from './in-cluster-config.js';
import { LISTENER_COUNT, localListeners } from './listen-addresses.js';
import { isRunnable, localArgv, unsupportedContainer } from './local-command.js';
import { startLocalProcess, type LocalProcess } from './local-process.js';
import { expandedArgs, isControllerContainer, isOperatorContainer, operatorArgv, type LocalRuntime } from './operator-container.js';
import { finishedStatus, podStatus, rejectedStatus, type ContainerOutcome } from './pod-status.js';
import { mountsFor, prepareVolumes } from './pod-volumes.js';
import { ProjectedTokens } from './service-account-token.js';
import { StatusPublisher } from './status-publisher.js';
import { terminationMessage } from './termination-message.js';

export interface PodRunnerDeps {
  kc: KubeConfig;
  /** Pod directories (volumes, logs, message files) go under WORK_DIR/pods. */
  workDir: string;
  /** argv prefix that runs wasi-host here, e.g. [node, <repo>/bin/wasi-host.mjs]. */
  hostCommand: string[];
  /** daprd for Pods annotated dapr.io/enabled; without it such Pods fail. */
  daprdPath?: string;
  /** The project's image config (its Dockerfile): how an operator container starts. */
  image: ImageConfig;
  /** What runs the image's node and files here. */
  runtime: LocalRuntime;
  log: Logger;
}

const DEFAULT_GRACE_SECONDS = 30;

/** Decided once per Pod run, kept across restarts: the moved listeners and where the probes go. */
interface ContainerPlan {
  extraArgs: string[];
  readiness?: ProbeTarget;
  liveness?: ProbeTarget;
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
    case 'ERR_NODE_AGENT_IMAGE_CONFIG':
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
  private readonly tokens: ProjectedTokens;
  private readonly status: StatusPublisher;
  private supervisors: ContainerSupervisor[] = [];
  /** Containers started at least once in this run: a start after that is a restart. */
  private readonly started = new Set<string>();
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
    this.tokens = new ProjectedTokens(this.core, pod, this.log);
    this.status = new StatusPublisher((status) => (this.stopping ? Promise.resolve() : writePodStatus(this.core, this.pod, status)), this.log);
    this.done = this.run()
      .catch((err: unknown) => this.log.error({ err }, 'pod run failed'))
      .finally(() => this.tokens.stop());
  }

  /** Ends the Pod's processes (SIGTERM, SIGKILL after `graceMs`) without writing a final status: the Pod is being deleted. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const supervisor of this.supervisors) supervisor.halt();
    await Promise.all([...this.processes].map((p) => p.stop(graceMs)));
    await this.sidecar?.stop();
    await this.done;
  }

  private async run(): Promise<void> {
    mkdirSync(this.podDir, { recursive: true });
    const spec = this.pod.spec!;
    if (this.pod.status?.phase === 'Running') await this.stopLeftovers();
    let volumes: Map<string, string>;
    let plans: ContainerPlan[];
    try {
      const unsupported = [...(spec.initContainers ?? []), ...spec.containers].find((c) => !isRunnable(c, this.deps.image));
      if (unsupported) throw unsupportedContainer(unsupported);
      volumes = await prepareVolumes(this.core, this.pod, this.podDir, this.tokens);
      if (wantsDaprSidecar(this.pod) && !this.deps.daprdPath) {
        throw new WasiOperatorError('ERR_NODE_AGENT_SIDECAR', 'the Pod wants a Dapr sidecar but the node agent has no daprd; run `wasi-operator tools ensure daprd`');
      }
      plans = await Promise.all(spec.containers.map((c) => this.plan(c)));
    } catch (err) {
      return this.reject(err);
    }

    const startedAt = new Date();
    const initOutcomes: ContainerOutcome[] = [];
    for (const container of spec.initContainers ?? []) {
      const outcome = await this.launch(container, volumes, {}, { extraArgs: [] })
        .then((run) => run.outcome)
        .catch((err: unknown) => this.rejectAndStop(err));
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
      // No status until every container has started once: then Running, and every change after that.
      let live = false;
      const publishLive = () => {
        if (live) this.status.publish(podStatus(this.pod, startedAt, initOutcomes, this.supervisors.map((s) => s.view())));
      };
      const sidecarEnv = this.sidecar?.env ?? {};
      const grace = (spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
      this.supervisors = spec.containers.map(
        (container, i) =>
          new ContainerSupervisor({
            container,
            restartPolicy: spec.restartPolicy,
            launch: () => this.launch(container, volumes, sidecarEnv, plans[i]!),
            ...(plans[i]!.readiness && { readiness: plans[i]!.readiness }),
            ...(plans[i]!.liveness && { liveness: plans[i]!.liveness }),
            graceMs: container.livenessProbe?.terminationGracePeriodSeconds ? container.livenessProbe.terminationGracePeriodSeconds * 1000 : grace,
            onChange: publishLive,
            log: this.log,
          }),
      );
      await Promise.all(this.supervisors.map((s) => s.started));
      live = true;
      publishLive();
      await Promise.all(this.supervisors.map((s) => s.done));
      await this.sidecar?.stop();
      await this.status.flush();
    } catch (err) {
      await this.rejectAndStop(err);
    }
  }

  /**
   * A Running Pod that this agent did not start was started by an earlier
   * agent (node-agent.ts runs it again unless its restartPolicy is Never). A
   * killed agent could not stop its processes, which run detached: stop them
   * first, as a kubelet replaces the containers it finds, or two operators
   * would run for one Pod.
   */
  private async stopLeftovers(): Promise<void> {
    const leftovers = findProcessesWorkingIn(this.podDir, isPodProcessArgv);
    if (leftovers.length === 0) return;
    this.log.info({ pids: leftovers.map((p) => p.pid) }, 'stopping processes of an earlier node agent');
    await stopProcesses(leftovers, (this.pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS) * 1000).catch((err: unknown) =>
      this.log.warn({ err }, 'cannot stop the processes of an earlier node agent'),
    );
  }

  /**
   * An operator container's listeners move to free local ports
   * (listen-addresses.ts); its probes go where the listeners went.
   */
  private async plan(container: V1Container): Promise<ContainerPlan> {
    let extraArgs: string[] = [];
    let ports = new Map<number, number>();
    if (isControllerContainer(container, this.deps.image)) {
      const env = { ...this.deps.image.env, ...(await resolveContainerEnv(this.core, this.pod, container)) };
      ({ extraArgs, ports } = localListeners(expandedArgs(container, this.deps.image, env).slice(1), env, await freePorts(LISTENER_COUNT)));
    }
    if (container.startupProbe) {
      throw new WasiOperatorError('ERR_NODE_AGENT_CONTAINER_CONFIG', `container ${container.name}: startupProbe is not supported by the local node agent`);
    }
    return {
      extraArgs,
      ...(container.readinessProbe && { readiness: probeTarget(container.readinessProbe, container, ports) }),
      ...(container.livenessProbe && { liveness: probeTarget(container.livenessProbe, container, ports) }),
    };
  }

  /** Starts one container's process: its env resolved now, its in-cluster credentials, its command on this machine. */
  private async launch(container: V1Container, volumes: Map<string, string>, extraEnv: Record<string, string>, plan: ContainerPlan): Promise<LaunchedContainer> {
    const mounts = mountsFor(container, volumes);
    const operator = isOperatorContainer(container, this.deps.image);
    const server = this.deps.kc.getCurrentCluster()?.server ?? '';
    const inCluster = provideInClusterConfig(mounts, server, this.pod.metadata!.namespace!, join(this.podDir, `${container.name}.kubeconfig`));
    // Precedence as in a container: the image's env, then the kubelet's service env, then the container's own, then the injector's.
    const env = { ...(operator ? this.deps.image.env : {}), ...inCluster, ...(await resolveContainerEnv(this.core, this.pod, container)), ...extraEnv };
    const messageFile = join(this.podDir, `${container.name}.termination-log`);
    const logPath = join(this.podDir, containerLogFile(container.name));
    // A restart keeps the last instance's log for `kubectl logs --previous`, as the kubelet does.
    if (this.started.has(container.name) && existsSync(logPath)) renameSync(logPath, join(this.podDir, containerLogFile(container.name, true)));
    this.started.add(container.name);
    const argv = operator
      ? [...operatorArgv(container, this.deps.image, env, this.deps.runtime), ...plan.extraArgs]
      : localArgv(container, this.deps.hostCommand, env, mounts, messageFile);
    const startedAt = new Date();
    const proc = startLocalProcess(argv[0]!, argv.slice(1), {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      cwd: this.podDir,
      logPath,
    });
    this.processes.add(proc);
    this.log.info({ container: container.name, pid: proc.pid, logPath }, 'container started');
    const outcome = proc.exitCode.then((exitCode): ContainerOutcome => {
      this.processes.delete(proc);
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
    return { process: proc, startedAt, outcome };
  }

  private async reject(err: unknown): Promise<void> {
    this.log.warn({ err }, 'cannot run pod');
    await this.writeStatus(rejectedStatus(this.pod, failureReason(err), errorMessage(err)));
  }

  private async rejectAndStop(err: unknown): Promise<undefined> {
    for (const supervisor of this.supervisors) supervisor.halt();
    await Promise.all([...this.processes].map((p) => p.stop(0)));
    await this.sidecar?.stop();
    if (!this.stopping) await this.reject(err);
    return undefined;
  }

  private async writeStatus(status: V1PodStatus): Promise<void> {
    this.status.publish(status);
    await this.status.flush();
  }
}
