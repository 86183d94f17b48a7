// The operator's Prometheus metrics, rendered in the text exposition format
// (version 0.0.4). Small enough that a client library would be the bigger part.
import type { ReconcileOutcome } from './workers.js';

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export class OperatorMetrics {
  private readonly reconciles = new Map<ReconcileOutcome, number>();
  private errors = 0;
  private readonly bucketCounts = DURATION_BUCKETS.map(() => 0);
  private durationSum = 0;
  private durationCount = 0;
  private queueDepth = 0;
  private leader = 0;
  private readonly startSeconds = Date.now() / 1000;

  observeReconcile(outcome: ReconcileOutcome, seconds: number): void {
    this.reconciles.set(outcome, (this.reconciles.get(outcome) ?? 0) + 1);
    if (outcome === 'error') this.errors += 1;
    DURATION_BUCKETS.forEach((bound, i) => {
      if (seconds <= bound) this.bucketCounts[i] = (this.bucketCounts[i] ?? 0) + 1;
    });
    this.durationSum += seconds;
    this.durationCount += 1;
  }

  setQueueDepth(depth: number): void {
    this.queueDepth = depth;
  }

  setLeader(isLeader: boolean): void {
    this.leader = isLeader ? 1 : 0;
  }

  reconcileCount(outcome: ReconcileOutcome): number {
    return this.reconciles.get(outcome) ?? 0;
  }

  render(): string {
    const lines: string[] = [];
    lines.push('# HELP wasi_operator_reconcile_total Reconciles of WasiApps by result.');
    lines.push('# TYPE wasi_operator_reconcile_total counter');
    for (const outcome of ['success', 'requeue', 'error'] as const) {
      lines.push(`wasi_operator_reconcile_total{result="${outcome}"} ${this.reconcileCount(outcome)}`);
    }
    lines.push('# HELP wasi_operator_reconcile_errors_total Reconciles that failed and were retried with backoff.');
    lines.push('# TYPE wasi_operator_reconcile_errors_total counter');
    lines.push(`wasi_operator_reconcile_errors_total ${this.errors}`);
    lines.push('# HELP wasi_operator_reconcile_duration_seconds Time spent in one reconcile.');
    lines.push('# TYPE wasi_operator_reconcile_duration_seconds histogram');
    DURATION_BUCKETS.forEach((bound, i) => {
      lines.push(`wasi_operator_reconcile_duration_seconds_bucket{le="${bound}"} ${this.bucketCounts[i]}`);
    });
    lines.push(`wasi_operator_reconcile_duration_seconds_bucket{le="+Inf"} ${this.durationCount}`);
    lines.push(`wasi_operator_reconcile_duration_seconds_sum ${this.durationSum}`);
    lines.push(`wasi_operator_reconcile_duration_seconds_count ${this.durationCount}`);
    lines.push('# HELP wasi_operator_workqueue_depth WasiApp keys waiting to be reconciled.');
    lines.push('# TYPE wasi_operator_workqueue_depth gauge');
    lines.push(`wasi_operator_workqueue_depth ${this.queueDepth}`);
    lines.push('# HELP wasi_operator_leader Whether this replica holds the leader Lease (1) or not (0).');
    lines.push('# TYPE wasi_operator_leader gauge');
    lines.push(`wasi_operator_leader ${this.leader}`);
    lines.push('# HELP wasi_operator_start_time_seconds Start time of the operator since the Unix epoch.');
    lines.push('# TYPE wasi_operator_start_time_seconds gauge');
    lines.push(`wasi_operator_start_time_seconds ${this.startSeconds}`);
    return `${lines.join('\n')}\n`;
  }
}
