import { OperatorMetrics, type FinishedRun } from '../../operator/src/controller/metrics.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of an exposition text; label order does not matter to Prometheus, so it does not here. */
function samplesOf(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key as string] = value as string;
    }
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample with exactly these labels, or undefined when there is none. */
function valueOf(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  const found = samplesOf(text).filter((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === wanted);
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${wanted}`);
  return found[0]?.value;
}

/** The label names used by any sample of these metric names (histograms: without `le`). */
function labelNamesOf(text: string, names: string[]): string[] {
  const used = new Set<string>();
  for (const sample of samplesOf(text)) {
    if (!names.some((name) => sample.name === name || sample.name.startsWith(`${name}_`))) continue;
    for (const label of Object.keys(sample.labels)) if (label !== 'le') used.add(label);
  }
  return [...used].sort();
}

const RUN_METRICS = [
  'wasi_operator_runs_total',
  'wasi_operator_guest_run_duration_seconds',
  'wasi_operator_guest_compile_instantiate_seconds',
  'wasi_operator_run_start_delay_seconds',
];

const FULL_RUN: FinishedRun = {
  namespace: 'team-a',
  app: 'hello',
  passed: true,
  runMillis: 1200,
  compileMillis: 0.4,
  instantiateMillis: 0.3,
  startDelaySeconds: 2,
};

describe('OperatorMetrics', () => {
  it('exposes reconcile counts by result, errors, the duration histogram, queue depth, leader and start time', async () => {
    const metrics = new OperatorMetrics();
    metrics.observeReconcile('success', 0.02);
    metrics.observeReconcile('error', 3);
    metrics.setQueueDepth(7);
    metrics.setLeader(true);
    const text = await metrics.render();

    expect(valueOf(text, 'wasi_operator_reconcile_total', { result: 'success' })).toBe(1);
    expect(valueOf(text, 'wasi_operator_reconcile_total', { result: 'error' })).toBe(1);
    // Every result exists from the start, so rate() sees its first increase.
    expect(valueOf(text, 'wasi_operator_reconcile_total', { result: 'requeue' })).toBe(0);
    expect(metrics.reconcileCount('success')).toBe(1);
    expect(metrics.reconcileCount('requeue')).toBe(0);
    expect(valueOf(text, 'wasi_operator_reconcile_errors_total')).toBe(1);
    expect(text).toContain('# TYPE wasi_operator_reconcile_duration_seconds histogram');
    expect(valueOf(text, 'wasi_operator_reconcile_duration_seconds_bucket', { le: '0.025' })).toBe(1);
    expect(valueOf(text, 'wasi_operator_reconcile_duration_seconds_bucket', { le: '5' })).toBe(2);
    expect(valueOf(text, 'wasi_operator_reconcile_duration_seconds_bucket', { le: '30' })).toBe(2);
    expect(valueOf(text, 'wasi_operator_reconcile_duration_seconds_bucket', { le: '+Inf' })).toBe(2);
    expect(valueOf(text, 'wasi_operator_reconcile_duration_seconds_count')).toBe(2);
    expect(valueOf(text, 'wasi_operator_reconcile_duration_seconds_sum')).toBeCloseTo(3.02);
    expect(valueOf(text, 'wasi_operator_workqueue_depth')).toBe(7);
    expect(valueOf(text, 'wasi_operator_leader')).toBe(1);
    expect(valueOf(text, 'wasi_operator_start_time_seconds')).toBeCloseTo(Date.now() / 1000, -1);
  });

  it("exposes the event recorder's backlog as read at each scrape, and the events it dropped", async () => {
    const metrics = new OperatorMetrics();
    expect(valueOf(await metrics.render(), 'wasi_operator_events_waiting')).toBe(0);
    expect(valueOf(await metrics.render(), 'wasi_operator_events_dropped_total')).toBe(0);
    let waiting = 12;
    metrics.readEventsWaitingFrom(() => waiting);
    metrics.countEventDropped();
    metrics.countEventDropped();
    expect(valueOf(await metrics.render(), 'wasi_operator_events_waiting')).toBe(12);
    waiting = 0;
    const text = await metrics.render();
    expect(valueOf(text, 'wasi_operator_events_waiting')).toBe(0);
    expect(valueOf(text, 'wasi_operator_events_dropped_total')).toBe(2);
  });

  it('counts runs by namespace and result, and observes their timings in seconds', async () => {
    const metrics = new OperatorMetrics();
    metrics.observeRunFinished(FULL_RUN);
    metrics.observeRunFinished({ ...FULL_RUN, app: 'other' });
    metrics.observeRunFinished({ ...FULL_RUN, passed: false, runMillis: 40 });
    metrics.observeRunFinished({ ...FULL_RUN, namespace: 'team-b', passed: false });
    const text = await metrics.render();

    expect(text).toContain('# TYPE wasi_operator_runs_total counter');
    expect(valueOf(text, 'wasi_operator_runs_total', { namespace: 'team-a', result: 'succeeded' })).toBe(2);
    expect(valueOf(text, 'wasi_operator_runs_total', { namespace: 'team-a', result: 'failed' })).toBe(1);
    expect(valueOf(text, 'wasi_operator_runs_total', { namespace: 'team-b', result: 'failed' })).toBe(1);
    expect(valueOf(text, 'wasi_operator_runs_total', { namespace: 'team-b', result: 'succeeded' })).toBeUndefined();

    expect(valueOf(text, 'wasi_operator_guest_run_duration_seconds_count', { namespace: 'team-a' })).toBe(3);
    expect(valueOf(text, 'wasi_operator_guest_run_duration_seconds_sum', { namespace: 'team-a' })).toBeCloseTo(2.44);
    expect(valueOf(text, 'wasi_operator_guest_run_duration_seconds_bucket', { namespace: 'team-a', le: '0.05' })).toBe(1);
    expect(valueOf(text, 'wasi_operator_guest_run_duration_seconds_bucket', { namespace: 'team-a', le: '2.5' })).toBe(3);
    // compile 0.4 ms + instantiate 0.3 ms = 0.7 ms, between the 0.5 ms and 1 ms bounds.
    expect(valueOf(text, 'wasi_operator_guest_compile_instantiate_seconds_bucket', { namespace: 'team-b', le: '0.0005' })).toBe(0);
    expect(valueOf(text, 'wasi_operator_guest_compile_instantiate_seconds_bucket', { namespace: 'team-b', le: '0.001' })).toBe(1);
    expect(valueOf(text, 'wasi_operator_guest_compile_instantiate_seconds_sum', { namespace: 'team-b' })).toBeCloseTo(0.0007, 6);
    expect(valueOf(text, 'wasi_operator_run_start_delay_seconds_bucket', { namespace: 'team-b', le: '1' })).toBe(0);
    expect(valueOf(text, 'wasi_operator_run_start_delay_seconds_bucket', { namespace: 'team-b', le: '2' })).toBe(1);
    expect(valueOf(text, 'wasi_operator_run_start_delay_seconds_count', { namespace: 'team-a' })).toBe(3);
  });

  it('puts no app label on the run metrics by default', async () => {
    const metrics = new OperatorMetrics();
    metrics.observeRunFinished(FULL_RUN);
    metrics.observeRunFinished({ ...FULL_RUN, app: 'other' });
    const text = await metrics.render();

    expect(labelNamesOf(text, RUN_METRICS)).toEqual(['namespace', 'result']);
    expect(text).not.toContain('app=');
    // Two apps, one series: their runs add up.
    expect(valueOf(text, 'wasi_operator_runs_total', { namespace: 'team-a', result: 'succeeded' })).toBe(2);
  });

  it('labels the run metrics by app with perAppLabel', async () => {
    const metrics = new OperatorMetrics({ perAppLabel: true });
    metrics.observeRunFinished(FULL_RUN);
    metrics.observeRunFinished({ ...FULL_RUN, app: 'other', passed: false });
    const text = await metrics.render();

    expect(labelNamesOf(text, RUN_METRICS)).toEqual(['app', 'namespace', 'result']);
    expect(valueOf(text, 'wasi_operator_runs_total', { namespace: 'team-a', app: 'hello', result: 'succeeded' })).toBe(1);
    expect(valueOf(text, 'wasi_operator_runs_total', { namespace: 'team-a', app: 'other', result: 'failed' })).toBe(1);
    for (const histogram of RUN_METRICS.slice(1)) {
      expect(valueOf(text, `${histogram}_count`, { namespace: 'team-a', app: 'hello' })).toBe(1);
      expect(valueOf(text, `${histogram}_count`, { namespace: 'team-a', app: 'other' })).toBe(1);
    }
    // The reconcile metrics are per operator, never per app.
    expect(labelNamesOf(text, ['wasi_operator_reconcile_total'])).toEqual(['result']);
  });

  it('does not observe timings the run did not report, but still counts the run', async () => {
    const metrics = new OperatorMetrics();
    metrics.observeRunFinished({ namespace: 'team-a', app: 'hello', passed: false });
    // Compile without instantiate: half of the sum would read as a fast start-up.
    metrics.observeRunFinished({ namespace: 'team-a', app: 'hello', passed: false, compileMillis: 5 });
    const text = await metrics.render();

    expect(valueOf(text, 'wasi_operator_runs_total', { namespace: 'team-a', result: 'failed' })).toBe(2);
    for (const histogram of RUN_METRICS.slice(1)) {
      expect(valueOf(text, `${histogram}_count`, { namespace: 'team-a' })).toBeUndefined();
    }
    expect(text).not.toMatch(/_bucket\{[^}]*namespace="team-a"/);
  });

  it('keeps the counts of two instances apart', async () => {
    const first = new OperatorMetrics();
    const second = new OperatorMetrics();
    first.observeReconcile('success', 0.01);
    first.observeReconcile('success', 0.01);
    first.observeRunFinished(FULL_RUN);
    second.observeReconcile('success', 0.01);
    second.setLeader(true);
    const [firstText, secondText] = await Promise.all([first.render(), second.render()]);

    expect(valueOf(firstText, 'wasi_operator_reconcile_total', { result: 'success' })).toBe(2);
    expect(valueOf(secondText, 'wasi_operator_reconcile_total', { result: 'success' })).toBe(1);
    expect(valueOf(firstText, 'wasi_operator_runs_total', { namespace: 'team-a', result: 'succeeded' })).toBe(1);
    expect(valueOf(secondText, 'wasi_operator_runs_total', { namespace: 'team-a', result: 'succeeded' })).toBeUndefined();
    expect(valueOf(firstText, 'wasi_operator_leader')).toBe(0);
    expect(valueOf(secondText, 'wasi_operator_leader')).toBe(1);
    expect(first.reconcileCount('success')).toBe(2);
    expect(second.reconcileCount('success')).toBe(1);
  });
});
