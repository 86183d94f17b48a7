// `wasi-operator demo` (what `npm start` runs): the product end to end on this
// machine. A private local cluster (real etcd and Kubernetes control plane,
// plus the node agent that runs wasi-host Pods with a daprd sidecar), the
// operator in this process with a real redis-server as its default Redis, and
// the seed WasiApp of examples/wasiapp-seed.yaml. The demo follows the app to
// its end, shows its result and `kubectl get wasiapps`, and reads the state
// back from Redis itself, so what it prints is what really happened.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import type { WasiApp } from '../../api/wasiapp.js';
import { DEFAULT_HOST_IMAGE } from '../../controller/config.js';
import { createLogger } from '../../controller/logger.js';
import { startOperator, type RunningOperator } from '../../controller/operator.js';
import { startCluster, stopCluster, type ClusterHandle } from '../../local/cluster/cluster.js';
import { clusterPaths } from '../../local/cluster/state-dir.js';
import { redisHashGet, startRedis, type LocalRedis } from '../../local/runtime/redis-server.js';
import { ensureTool, isToolCurrent } from '../../local/tools/go-build.js';
import { DAPRD } from '../../local/tools/pins.js';
import { appIdFor } from '../../resources/names.js';
import { errorMessage } from '../../util/errors.js';
import { followApp } from './follow.js';
import { DemoOutput, seconds } from './progress.js';
import { printDiagnostics, printWasiAppTable } from './report.js';
import { createApp, createModuleConfigMap, createNamespace, DEMO_NAMESPACE, EXAMPLE_PATH, GUEST_PATH, loadSeedApp, readGuest, wasiapps } from './seed-app.js';

export interface ClusterDemoOptions {
  /** How long the WasiApp may take to finish once created. */
  timeoutMs: number;
  /** Leave the cluster running afterwards (the operator and Redis end with the demo). */
  keep: boolean;
}

const EXIT_INTERRUPTED = 130;
/** The keys the seed guest saves (see guest/ and examples/wasiapp-seed.yaml). */
const STATE_KEYS = ['weapon', 'planets'];

export async function clusterDemo(options: ClusterDemoOptions): Promise<number> {
  const out = new DemoOutput();
  // A fresh private cluster: never the developer's `cluster up` state dir.
  const stateDir = mkdtempSync(join(tmpdir(), 'wasi-operator-demo-'));
  const kubeconfigPath = clusterPaths(stateDir).kubeconfig;
  const operatorLog = join(clusterPaths(stateDir).logsDir, 'operator.log');
  let redis: LocalRedis | undefined;
  let cluster: ClusterHandle | undefined;
  let kc: KubeConfig | undefined;
  let operator: RunningOperator | undefined;
  let app: WasiApp | undefined;
  const interrupt = new AbortController();

  let tearingDown: Promise<void> | undefined;
  const teardown = (keepCluster: boolean): Promise<void> =>
    (tearingDown ??= (async () => {
      const stopped: string[] = [];
      const attempt = async (what: string, stop: () => Promise<unknown>) => {
        const began = Date.now();
        try {
          await stop();
          stopped.push(`${what} ${seconds(Date.now() - began)}`);
        } catch (err) {
          out.say(`stopping the ${what} failed: ${errorMessage(err)}`);
        }
      };
      if (operator) await attempt('operator', () => operator!.stop());
      // By state dir, not by handle: this also stops a cluster that was still starting.
      if (!keepCluster) {
        await attempt('cluster and node agent', async () => {
          await stopCluster(stateDir);
          // Sweep again: a daprd or wasi-host the node agent started while it was being
          // stopped (Ctrl-C while a Pod starts) was not there for the first sweep.
          await stopCluster(stateDir, { graceMs: 2_000 });
        });
      }
      if (redis) await attempt('redis-server', () => redis!.stop());
      if (!keepCluster) rmSync(stateDir, { recursive: true, force: true });
      out.say(`stopped ${stopped.join(', ') || 'nothing'}${keepCluster ? '' : `; removed ${stateDir}`}`);
    })());

  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupt.signal.aborted) process.exit(EXIT_INTERRUPTED);
    out.say(`${signal}: tearing everything down (again to quit at once)`);
    interrupt.abort();
    void teardown(false).finally(() => process.exit(EXIT_INTERRUPTED));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const seed = loadSeedApp(DEMO_NAMESPACE);
    const module = readGuest();

    redis = await out.step(() => startRedis(), (r) => `redis-server (the operator's default Redis) listening on ${r.address}`);
    // The node agent gives dapr.io/enabled Pods a daprd only when it is built.
    if (!isToolCurrent(DAPRD)) await out.step(() => ensureTool(DAPRD, (line) => out.say(`tools: ${line}`)), (paths) => `daprd built: ${paths.daprd}`);

    out.say(`starting a private cluster in ${stateDir}: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and the node agent`);
    cluster = await out.step(
      () => startCluster({ stateDir, nodeAgent: true, progress: (line) => out.say(`  cluster: ${line}`) }),
      (c) => `cluster ready at ${c.server}; node agent pid ${c.nodeAgentPid}; kubeconfig ${c.kubeconfigPath}`,
    );
    if (interrupt.signal.aborted) return EXIT_INTERRUPTED;
    kc = cluster.kubeConfig();

    operator = await out.step(
      () =>
        startOperator({
          config: { hostImage: DEFAULT_HOST_IMAGE, defaultRedis: { host: redis!.address }, namespaces: [DEMO_NAMESPACE] },
          kubeConfig: kc!,
          leaderElection: { enabled: false },
          // A synchronous file destination: nothing to flush or close at exit. (createLogger's
          // parameter type is NodeJS.WritableStream; pino takes any DestinationStream.)
          logger: createLogger('info', pino.destination({ dest: operatorLog, sync: true, mkdir: true }) as unknown as NodeJS.WritableStream),
        }),
      () => `operator running in this process: watches namespace ${DEMO_NAMESPACE}, default Redis ${redis!.address}, leader election off, log ${operatorLog}`,
    );

    await out.step(() => createNamespace(kc!, DEMO_NAMESPACE), () => `namespace ${DEMO_NAMESPACE} created (its default ServiceAccount exists)`);
    const { name: configMap, key } = seed.spec.module.configMap!;
    await out.step(
      () => createModuleConfigMap(kc!, seed, module),
      () => `ConfigMap ${DEMO_NAMESPACE}/${configMap}: binaryData ${key} = ${GUEST_PATH} (${(module.length / 1024).toFixed(1)} KiB)`,
    );
    app = await out.step(() => createApp(kc!, seed), (a) => `WasiApp ${DEMO_NAMESPACE}/${a.metadata.name} created from ${EXAMPLE_PATH}`);

    out.say(`following WasiApp ${DEMO_NAMESPACE}/${seed.metadata.name} until it Succeeded or Failed (timeout ${seconds(options.timeoutMs)})`);
    const followed = await followApp({ kc, namespace: DEMO_NAMESPACE, name: seed.metadata.name!, timeoutMs: options.timeoutMs, out, signal: interrupt.signal });
    app = followed.app ?? app;
    const phase = app.status?.phase;
    const result = app.status?.result;
    out.say(followed.timedOut ? `WasiApp did not finish within ${seconds(options.timeoutMs)} (phase ${phase ?? 'none'})` : `WasiApp finished: ${phase}`);

    if (result) {
      out.say('guest output (status.result.output, from the Pod\'s termination message):');
      out.raw(result.output ?? '');
      out.say(
        `result: passed=${result.passed} exitCode=${result.exitCode} reason=${result.reason ?? '-'} compile=${result.compileMillis}ms instantiate=${result.instantiateMillis}ms run=${result.runMillis}ms`,
      );
    }
    const custom = kc.makeApiClient(CustomObjectsApi);
    await printWasiAppTable(out, kubeconfigPath, DEMO_NAMESPACE, async () => ((await custom.listNamespacedCustomObject({ ...wasiapps, namespace: DEMO_NAMESPACE })) as { items: WasiApp[] }).items);

    const appId = appIdFor(app);
    const state: Record<string, string | undefined> = {};
    for (const stateKey of STATE_KEYS) {
      const redisKey = `${appId}||${stateKey}`;
      state[stateKey] = await redisHashGet(redis.port, redisKey, 'data');
      out.say(`redis HGET "${redisKey}" data → ${state[stateKey] ?? '(missing)'}`);
    }

    const problems = [
      ...(followed.timedOut ? [`the WasiApp did not finish within ${seconds(options.timeoutMs)}`] : []),
      ...(!followed.timedOut && phase !== 'Succeeded' ? [`the WasiApp ended ${phase}`] : []),
      ...(result?.passed !== true ? [result ? `the guest's result is passed=${result.passed} (reason ${result.reason ?? '-'})` : 'the WasiApp has no result'] : []),
      ...(state.weapon === undefined ? [`no state for app id ${appId} in Redis`] : []),
    ];
    if (problems.length > 0) {
      out.say(`FAILED: ${problems.join('; ')}`);
      await printDiagnostics(out, { kc, stateDir, namespace: DEMO_NAMESPACE, app, operatorLog });
      return 1;
    }
    out.say(`PASSED: the operator ran WasiApp ${DEMO_NAMESPACE}/${app.metadata.name} on the local cluster; the guest saved and read Dapr state backed by Redis (${out.elapsed()} so far)`);
    return 0;
  } catch (err) {
    if (interrupt.signal.aborted) return EXIT_INTERRUPTED;
    out.say(`FAILED: ${errorMessage(err)}`);
    if (existsSync(stateDir)) await printDiagnostics(out, { kc, stateDir, namespace: DEMO_NAMESPACE, app, operatorLog });
    return 1;
  } finally {
    // Kept on failure too (--keep is for looking around), never after Ctrl-C.
    const keepCluster = options.keep && cluster !== undefined && !interrupt.signal.aborted;
    await teardown(keepCluster);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (keepCluster) {
      out.say(`--keep: the cluster still runs in ${stateDir} (the operator and Redis ended with the demo)`);
      out.say(`  kubectl --kubeconfig ${kubeconfigPath} get wasiapps -n ${DEMO_NAMESPACE} -o wide`);
      out.say(`  stop it with: wasi-operator cluster down --state-dir ${stateDir}`);
    }
    out.say(`total ${out.elapsed()}`);
  }
}
