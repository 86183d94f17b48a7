// The operator's Prometheus metrics, kept and rendered by prom-client.
// Start-up cost, measured on Node 26 (medians of 11 fresh processes, two
// rounds, on a 2-core machine under load): importing prom-client and
// constructing one OperatorMetrics takes 77–89 ms against 1.6 ms for the
// hand-written renderer this replaced; 28–33 ms once the operator's own
// client-node, undici and pino are loaded, as they are in the operator (they
// bring node:https and node:zlib, which prom-client's Pushgateway loads too).
//
// Every OperatorMetrics has a Registry of its own, never prom-client's global
// one: tests and the in-process operators of the integration tests would
// otherwise share counts, and registering one metric name twice throws.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RunMetrics } from './status-writer.js';
import type { ReconcileOutcome } from '../kube/workers.js';

/** The buckets of the hand-written renderer this replaced, so dashboards keep their boundaries. */
const RECONCILE_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Guests range from a unit test of milliseconds to batch work bounded only by
 * the Job's deadline: about 2.5× steps from 10 ms to 1 h keep each bucket
 * meaningful over that span with 15 series per label set.
 */
const GUEST_RUN_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/**
 * Compiling and instantiating a guest takes about 1 ms (docs/benchmarks.md:
 * 0.42 ms warm, 1.16 ms in a fresh wasi-host): the buckets start below that
 * and reach 1 s, so a large module or a regression by orders of magnitude shows.
 */
const COMPILE_INSTANTIATE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/**
 * From the Job's start to wasi-host starting. Kubernetes timestamps have whole
 * seconds, so finer buckets would mean nothing; about 1.5 s on an idle node
 * (docs/benchmarks.md), minutes when a burst of Pods and their daprd sidecars
 * queue on a busy node.
 */
const RUN_START_DELAY_BUCKETS = [1, 2, 3, 5, 10, 20, 30, 60, 120, 300, 600];

/** Every outcome, so each reconcile_total series exists (at 0) from the start and rate() sees its first increase. */
const RECONCILE_OUTCOMES = Object.keys({ success: true, requeue: true, error: true, terminal: true } satisfies Record<ReconcileOutcome, true>) as ReconcileOutcome[];

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

export interface OperatorMetricsOptions {
  /**
   * Adds an `app` label to the run metrics. Off by default: one series per
   * WasiApp grows without bound with the apps in the cluster, which
   * Prometheus pays for in memory; namespaces stay few.
   */
  perAppLabel?: boolean;
}

/** A run of a WasiApp that finished, as the reconciler sees it in the app's status. */
export interface FinishedRun {
  namespace: string;
  app: string;
  passed: boolean;
  runMillis?: number;
  compileMillis?: number;
  instantiateMillis?: number;
  /** From the run's (its Job's) start to the host starting: scheduling, image pull, the sidecar. */
  startDelaySeconds?: number;
}

type RunLabel = 'namespace' | 'app';

export class OperatorMetrics implements RunMetrics {
  private readonly registry = new Registry();
  private readonly perAppLabel: boolean;
  /**
   * A copy of reconcile_total's counts: prom-client reads values back only
   * asynchronously (Counter.get() is async), and reconcileCount is synchronous.
   */
  private readonly reconcileCounts = new Map<ReconcileOutcome, number>();

  private readonly reconciles: Counter<'result'>;
  private readonly reconcileErrors: Counter;
  private readonly reconcileDuration: Histogram;
  private readonly queueDepth: Gauge;
  private readonly leader: Gauge;
  private readonly informerLists: Counter<'informer' | 'reason'>;
  private readonly eventsDropped: Counter;
  /** What wasi_operator_events_waiting reads at each scrape (the event recorder's backlog). */
  private eventsWaiting: () => number = () => 0;
  private readonly runs: Counter<RunLabel | 'result'>;
  private readonly guestRunDuration: Histogram<RunLabel>;
  private readonly guestCompileInstantiate: Histogram<RunLabel>;
  private readonly runStartDelay: Histogram<RunLabel>;

  constructor(options: OperatorMetricsOptions = {}) {
    // No collectDefaultMetrics (process_*, nodejs_*): it costs another ~4 ms
    // here and ~5 ms on the first scrape (measured), and it installs
    // process-wide observers (a GC PerformanceObserver, an event-loop delay
    // monitor) that nothing can remove, one more set per instance, which the
    // in-process operators of the tests would pile up.
    this.perAppLabel = options.perAppLabel ?? false;
    const registers = [this.registry];
    this.reconciles = new Counter({
      name: 'wasi_operator_reconcile_total',
      help: 'Reconciles of WasiApps by result.',
      labelNames: ['result'],
      registers,
    });
    for (const result of RECONCILE_OUTCOMES) this.reconciles.inc({ result }, 0);
    this.reconcileErrors = new Counter({
      name: 'wasi_operator_reconcile_errors_total',
      help: 'Reconciles that failed and were retried with backoff.',
      registers,
    });
    this.reconcileDuration = new Histogram({
      name: 'wasi_operator_reconcile_duration_seconds',
      help: 'Time spent in one reconcile.',
      buckets: RECONCILE_DURATION_BUCKETS,
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'wasi_operator_workqueue_depth',
      help: 'WasiApp keys waiting to be reconciled.',
      registers,
    });
    this.leader = new Gauge({
      name: 'wasi_operator_leader',
      help: 'Whether this replica holds the leader Lease (1) or not (0).',
      registers,
    });
    this.informerLists = new Counter({
      name: 'wasi_operator_informer_lists_total',
      help: 'Full lists by informer and reason: start, gone (410 Gone on a watch), restart (after a failed list or watch). A relist storm shows here.',
      labelNames: ['informer', 'reason'],
      registers,
    });
    const readEventsWaiting = (): number => this.eventsWaiting();
    new Gauge({
      name: 'wasi_operator_events_waiting',
      help: 'Events emitted and not written yet: held back while new runs wait for their Pods, or being written.',
      registers,
      collect() {
        this.set(readEventsWaiting());
      },
    });
    this.eventsDropped = new Counter({
      name: 'wasi_operator_events_dropped_total',
      help: 'Events never written because the backlog of waiting events was full (the oldest go first).',
      registers,
    });
    new Gauge({
      name: 'wasi_operator_start_time_seconds',
      help: 'Start time of the operator since the Unix epoch.',
      registers,
    }).set(Date.now() / 1000);

    const runLabels: RunLabel[] = this.perAppLabel ? ['namespace', 'app'] : ['namespace'];
    this.runs = new Counter({
      name: 'wasi_operator_runs_total',
      help: 'Runs of WasiApps that finished, by result (succeeded or failed).',
      labelNames: [...runLabels, 'result'],
      registers,
    });
    this.guestRunDuration = new Histogram({
      name: 'wasi_operator_guest_run_duration_seconds',
      help: "Time the guest's WASI start ran, as its host reported it.",
      labelNames: runLabels,
      buckets: GUEST_RUN_BUCKETS,
      registers,
    });
    this.guestCompileInstantiate = new Histogram({
      name: 'wasi_operator_guest_compile_instantiate_seconds',
      help: "Time the host took to compile and instantiate the guest's module.",
      labelNames: runLabels,
      buckets: COMPILE_INSTANTIATE_BUCKETS,
      registers,
    });
    this.runStartDelay = new Histogram({
      name: 'wasi_operator_run_start_delay_seconds',
      help: "Time from a run's (its Job's) start to the host starting: scheduling, image pull and the Dapr sidecar.",
      labelNames: runLabels,
      buckets: RUN_START_DELAY_BUCKETS,
      registers,
    });
  }

  observeReconcile(outcome: ReconcileOutcome, seconds: number): void {
    this.reconcileCounts.set(outcome, this.reconcileCount(outcome) + 1);
    this.reconciles.inc({ result: outcome });
    if (outcome === 'error' || outcome === 'terminal') this.reconcileErrors.inc();
    this.reconcileDuration.observe(seconds);
  }

  setQueueDepth(depth: number): void {
    this.queueDepth.set(depth);
  }

  setLeader(isLeader: boolean): void {
    this.leader.set(isLeader ? 1 : 0);
  }

  countList(informer: string, reason: string): void {
    this.informerLists.inc({ informer, reason });
  }

  /** Where wasi_operator_events_waiting comes from: read at each scrape, not pushed per event. */
  readEventsWaitingFrom(read: () => number): void {
    this.eventsWaiting = read;
  }

  countEventDropped(): void {
    this.eventsDropped.inc();
  }

  reconcileCount(outcome: ReconcileOutcome): number {
    return this.reconcileCounts.get(outcome) ?? 0;
  }

  /** Called once per run, when the reconciler first records it as finished. Timings the host did not report are not observed. */
  observeRunFinished(run: FinishedRun): void {
    const labels: Partial<Record<RunLabel, string>> = { namespace: run.namespace };
    if (this.perAppLabel) labels.app = run.app;
    this.runs.inc({ ...labels, result: run.passed ? 'succeeded' : 'failed' });
    if (run.runMillis !== undefined) this.guestRunDuration.observe(labels, run.runMillis / 1000);
    // Both or nothing: half of the sum would read as a fast start-up.
    if (run.compileMillis !== undefined && run.instantiateMillis !== undefined) {
      this.guestCompileInstantiate.observe(labels, (run.compileMillis + run.instantiateMillis) / 1000);
    }
    if (run.startDelaySeconds !== undefined) this.runStartDelay.observe(labels, run.startDelaySeconds);
  }

  /** The exposition text (METRICS_CONTENT_TYPE) of every metric of this instance. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
