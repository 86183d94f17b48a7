// One app container through its whole life, as the kubelet keeps it: start
// it, probe it (readiness decides `ready`; failing liveness ends the process),
// and when it exits, restart it with back-off if the Pod's restartPolicy says
// so, counting restarts and keeping the last run as `lastState`.
import type { V1Container } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { errorMessage } from '../../util/errors.js';
import { watchProbe, type ProbeTarget, type ProbeWatch } from './container-probes.js';
import type { LocalProcess } from './local-process.js';
import type { ContainerOutcome, LiveContainer } from './pod-status.js';
import { nextCrashCount, restartDelayMs, shouldRestart } from './restart-policy.js';

export interface LaunchedContainer {
  process: LocalProcess;
  startedAt: Date;
  outcome: Promise<ContainerOutcome>;
}

export interface ContainerSupervisorOptions {
  container: V1Container;
  restartPolicy: string | undefined;
  /** Starts the container's process once (env resolved afresh each time, as the kubelet does). */
  launch(): Promise<LaunchedContainer>;
  readiness?: ProbeTarget;
  liveness?: ProbeTarget;
  /** How long a process failing its liveness probe gets between SIGTERM and SIGKILL. */
  graceMs: number;
  /** The container's state changed: time to write the Pod status. */
  onChange(): void;
  log: Logger;
}

export class ContainerSupervisor {
  /** Settles once the first start is done; rejects when it failed (the Pod cannot run). */
  readonly started: Promise<void>;
  /** The last run's outcome, once the container will not be restarted again. */
  readonly done: Promise<ContainerOutcome>;
  private state: LiveContainer['state'] = { waiting: { reason: 'ContainerCreating' } };
  private current: LaunchedContainer | undefined;
  private lastTerminated: ContainerOutcome | undefined;
  private restartCount = 0;
  private ready = false;
  private probes: ProbeWatch[] = [];
  private halted = false;
  private wake: (() => void) | undefined;
  private readonly log: Logger;

  constructor(private readonly options: ContainerSupervisorOptions) {
    this.log = options.log.child({ container: options.container.name });
    this.started = this.start();
    this.done = this.started.then(() => this.supervise());
    // Whoever awaits `started` sees a failed start; `done` must not report it again.
    this.done.catch(() => undefined);
  }

  view(): LiveContainer {
    return {
      name: this.options.container.name,
      state: this.state,
      ready: this.ready,
      restartCount: this.restartCount,
      ...(this.lastTerminated && { lastTerminated: this.lastTerminated }),
    };
  }

  /** No more restarts or probes; the caller stops the process itself (it may already be going). */
  halt(): void {
    this.halted = true;
    this.stopProbes();
    this.wake?.();
  }

  private async start(isRestart = false): Promise<void> {
    const launched = await this.options.launch();
    this.current = launched;
    if (isRestart) this.restartCount++;
    this.state = { running: { startedAt: launched.startedAt, pid: launched.process.pid } };
    this.ready = this.options.readiness === undefined;
    // halt() came while the process was starting: it must not outlive the Pod.
    if (this.halted) void launched.process.stop(this.options.graceMs);
    else this.startProbes(launched);
    this.options.onChange();
  }

  private startProbes(launched: LaunchedContainer): void {
    const { container, readiness, liveness } = this.options;
    if (readiness && container.readinessProbe) {
      this.probes.push(
        watchProbe({
          probe: container.readinessProbe,
          target: readiness,
          kind: 'readiness',
          onChange: (ready) => {
            this.log.info({ ready }, 'readiness changed');
            this.ready = ready;
            this.options.onChange();
          },
        }),
      );
    }
    if (liveness && container.livenessProbe) {
      this.probes.push(
        watchProbe({
          probe: container.livenessProbe,
          target: liveness,
          kind: 'liveness',
          onChange: (alive) => {
            if (alive) return;
            this.log.warn({ pid: launched.process.pid }, 'liveness probe failed, stopping the container');
            void launched.process.stop(this.options.graceMs);
          },
        }),
      );
    }
  }

  private stopProbes(): void {
    for (const probe of this.probes) probe.stop();
    this.probes = [];
  }

  private async supervise(): Promise<ContainerOutcome> {
    let crashes = 0;
    for (;;) {
      const outcome = await this.current!.outcome;
      this.stopProbes();
      this.ready = false;
      if (this.halted || !shouldRestart(this.options.restartPolicy, outcome.exitCode)) {
        this.state = { terminated: outcome };
        this.options.onChange();
        return outcome;
      }
      this.lastTerminated = outcome;
      crashes = nextCrashCount(crashes, outcome.finishedAt.getTime() - outcome.startedAt.getTime());
      if (!(await this.restart(crashes))) {
        this.state = { terminated: outcome };
        return outcome;
      }
    }
  }

  /** Waits out the back-off and starts the container again; false when halted meanwhile. */
  private async restart(crashes: number): Promise<boolean> {
    const name = this.options.container.name;
    for (let attempt = crashes; ; attempt++) {
      const delayMs = restartDelayMs(attempt);
      if (attempt === crashes) this.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${delayMs / 1000}s restarting failed container=${name}` } };
      this.options.onChange();
      this.log.info({ delayMs, restartCount: this.restartCount }, 'container restart backing off');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
      if (this.halted) return false;
      try {
        await this.start(true);
        return true;
      } catch (err) {
        // As the kubelet: a container that cannot be created now (a Secret gone, say) waits and is tried again.
        this.log.warn({ err }, 'container restart failed');
        this.state = { waiting: { reason: 'CreateContainerError', message: errorMessage(err) } };
      }
    }
  }
}
