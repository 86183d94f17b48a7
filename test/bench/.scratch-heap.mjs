import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApps, memoryOf, mib, pooledKubeConfig, startBenchCluster, startOperatorProcess, watchPods, within } from './operator-support.mjs';
const N = Number(process.argv[2] ?? 1000);
const dir = process.argv[3] ?? '/tmp/heap';
process.env.WASI_BENCH_OPERATOR_NODE_ARGS = `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${dir} ${process.env.EXTRA ?? ''}`;
const cluster = await startBenchCluster();
try {
  const kc = await pooledKubeConfig(cluster.kubeconfigPath);
  const ns = await cluster.createNamespace('heap');
  const op = await startOperatorProcess({ kubeconfigPath: cluster.kubeconfigPath, namespace: ns, concurrency: 10, logFile: join(cluster.stateDir, 'op.log') });
  await op.waitReady();
  console.log('ready', mib(memoryOf(op.pid).rssKiB));
  const w = await watchPods(kc, ns);
  const t0 = performance.now();
  const tick = setInterval(() => console.log(w.count, mib(memoryOf(op.pid).rssKiB)), 5000);
  await createApps(kc, ns, N, 20);
  await within(w.reached(N), 600000, () => `${w.count}`);
  clearInterval(tick);
  console.log('all pods after', ((performance.now() - t0) / 1000).toFixed(1), 's', mib(memoryOf(op.pid).rssKiB));
  for (let i = 0; i < 6; i++) { await sleep(2500); const m = await op.metrics(); console.log('depth', m['wasi_operator_workqueue_depth'], 'reconciles', m['wasi_operator_reconcile_duration_seconds_count'], mib(memoryOf(op.pid).rssKiB), 'hwm', mib(memoryOf(op.pid).hwmKiB)); }
  process.kill(op.pid, 'SIGUSR2');
  for (let i = 0; i < 120 && !readdirSync(dir).some(f => f.endsWith('.heapsnapshot')); i++) await sleep(500);
  await sleep(5000);
  console.log('snapshot', readdirSync(dir), mib(memoryOf(op.pid).rssKiB));
  await op.stop();
} finally { await cluster.stop(); }
