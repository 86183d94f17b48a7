// The WasiApp controller: informers feed keys into the work queue, workers
// run reconcile, a periodic resync enqueues every app again. Started when
// this replica leads (or always, without leader election).
import type { Logger } from 'pino';
import type { OperatorConfig } from '../api/operator-config.js';
import { type EventRecorder } from '../kube/events.js';
import { keyOf, parseKey } from './keys.js';
import { isConflict, type KubeClients } from '../kube/requests.js';
import { errorMessage } from '../util/errors.js';
import type { OperatorMetrics } from './metrics.js';
import { PodWaits } from './pod-waits.js';
import { Reconciler } from './reconcile.js';
import { SETTLE_LIMIT_MS } from './settling.js';
import { createWatches, type Watches } from './watches.js';
import { runWorkers, type ReconcileOutcome, type Workers } from '../kube/workers.js';
import { WorkQueue } from '../kube/workqueue.js';
import { EventReason, terminalReasonOf } from '../api/reasons.js';

export interface ControllerDeps {
  config: OperatorConfig;
  clients: KubeClients;
  events: EventRecorder;
  metrics: OperatorMetrics;
  log: Logger;
  concurrency: number;
  resyncPeriodMs: number;
  /** Backoff of failed reconciles; defaults 50 ms → 5 min. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export class Controller {
  private readonly queue: WorkQueue;
  private readonly watches: Watches;
  private readonly reconciler: Reconciler;
  private readonly podWaits = new PodWaits(SETTLE_LIMIT_MS);
  private workers: Workers | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private started = false;
  private stopping: Promise<void> | undefined;

  constructor(private readonly deps: ControllerDeps) {
    this.queue = new WorkQueue({
      baseDelayMs: deps.baseDelayMs,
      maxDelayMs: deps.maxDelayMs,
      onDepthChange: (depth) => deps.metrics.setQueueDepth(depth),
    });
    this.watches = createWatches({
      clients: deps.clients,
      namespaces: deps.config.namespaces,
      enqueue: (key, priority) => this.queue.add(key, priority),
      log: deps.log,
      onListed: (informer, reason) => deps.metrics.countList(informer, reason),
      onPodAdded: (pod) => this.podWaits.podSeen(pod),
    });
    this.reconciler = new Reconciler({
      config: deps.config,
      clients: deps.clients,
      caches: {
        apps: this.watches.apps,
        pods: this.watches.pods,
        jobs: this.watches.jobs,
        cronJobs: this.watches.cronJobs,
        components: this.watches.components,
        storeRevision: (namespace, store) => this.watches.storeRevision(namespace, store),
        storeMembers: (namespace, store) => this.watches.storeMembers(namespace, store),
      },
      events: deps.events,
      log: deps.log,
      metrics: deps.metrics,
      // Apps woken by their Component's apply have not been acted on yet: new work.
      requeue: (key) => this.queue.add(key, 'normal'),
      onJobCreated: (namespace, name) => this.podWaits.jobCreated(namespace, name),
    });
  }

  /**
   * True while new apps (or spec changes) wait to be reconciled, or the Jobs
   * just created for them wait for their Pods (pod-waits.ts).
   */
  get startingRuns(): boolean {
    return this.queue.normalDepth > 0 || this.podWaits.waiting > 0;
  }

  /** False while an informer cannot reach the API server (its cache falls behind). */
  get reachable(): boolean {
    return this.watches.reachable();
  }

  /** True once every informer has listed its resources. */
  get synced(): boolean {
    return this.started && this.watches.synced();
  }

  /** Starts the informers, waits for their first lists, then the workers. */
  async start(): Promise<void> {
    if (this.stopping) return;
    const { log, concurrency, resyncPeriodMs } = this.deps;
    log.info({ namespaces: this.deps.config.namespaces, concurrency }, 'starting controller');
    await this.watches.start();
    if (this.stopping) return;
    this.started = true;
    log.info({ apps: this.watches.apps.list().length }, 'caches synced');
    this.workers = runWorkers(this.queue, concurrency, (key) => this.reconciler.reconcile(key), {
      onReconciled: (key, outcome, seconds, err) => this.onReconciled(key, outcome, seconds, err),
      isTerminal: (err) => terminalReasonOf(err) !== undefined,
    });
    this.resyncTimer = setInterval(() => this.resync(), resyncPeriodMs);
    this.resyncTimer.unref();
  }

  /** Stops watching, lets in-flight reconciles finish and drops the rest. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.resyncTimer) clearInterval(this.resyncTimer);
      await this.watches.stop();
      await this.queue.shutdown();
      await this.workers?.done;
      this.deps.log.info('controller stopped');
    })();
    return this.stopping;
  }

  private resync(): void {
    for (const app of this.watches.apps.list()) this.queue.add(keyOf(app), 'low');
  }

  private onReconciled(key: string, outcome: ReconcileOutcome, seconds: number, err: unknown): void {
    const { metrics, log, events } = this.deps;
    metrics.observeReconcile(outcome, seconds);
    if (outcome !== 'error' && outcome !== 'terminal') {
      log.debug({ wasiapp: key, outcome, seconds }, 'reconciled');
      return;
    }
    if (isConflict(err)) {
      // Someone wrote the app since our cache saw it; the retry reads the new one.
      log.debug({ wasiapp: key, err }, 'reconcile conflict; retrying');
      return;
    }
    const { namespace, name } = parseKey(key);
    const app = this.watches.apps.get(name, namespace);
    const terminal = outcome === 'terminal' ? terminalReasonOf(err) : undefined;
    if (terminal) {
      // The user's to fix, not ours to retry: a warning, not an error.
      log.warn({ wasiapp: key, err, reason: terminal }, 'reconcile refused; not retried until the app changes');
    } else {
      log.error({ wasiapp: key, err, retries: this.queue.numRequeues(key) }, 'reconcile failed');
    }
    if (app) events.warning(app, terminal ?? EventReason.ReconcileError, errorMessage(err));
    void this.reconciler.reportFailure(key, err).catch((reportErr: unknown) => {
      log.warn({ wasiapp: key, err: reportErr }, 'cannot write the failure to the status');
    });
  }
}
