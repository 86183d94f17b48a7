// `wasi-dev demo` (what `npm start` runs): the product end to end on this
// machine, as a user runs it. The local cluster with its real node (kubelet,
// containerd, CoreDNS, a Redis, Dapr's control plane from Dapr's chart), the
// operator installed from our Helm chart in the image built from our
// Dockerfile, and the seed WasiApp of examples/wasiapp-seed.yaml. The demo
// follows the app to its end, shows its result, `kubectl get wasiapps`, the
// Pod's containers (daprd added by Dapr's injector) and reads the state back
// from the cluster's Redis itself, so what it prints is what really happened.
import { existsSync } from 'node:fs';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { WasiApp } from '../../operator/src/api/wasiapp.js';
import { startCluster, stopCluster, type ClusterHandle } from '../cluster/cluster.js';
import { defaultStateDir } from '../cluster/state-dir.js';
import { ensureImages } from '../images/images.js';
import { CLUSTER_REDIS } from '../node/cluster-addons.js';
import { installOperatorChart, OPERATOR_NAMESPACE, OPERATOR_RELEASE, pinnedOperatorImage, uninstallOperatorChart } from '../node/operator-install.js';
import { REGISTRY_ADDRESS } from '../node/node-layout.js';
import { redisHashGet } from '../runtime/redis-server.js';
import { appIdFor } from '../../operator/src/resources/names.js';
import { errorMessage } from '../../operator/src/util/errors.js';
import { followApp } from '../../operator/src/cli/smoke/follow.js';
import { StepOutput, seconds } from '../../operator/src/cli/smoke/progress.js';
import { printDiagnostics, printKubectl, printWasiAppTable } from './report.js';
import { createApp, createFreshNamespace, createModuleConfigMap, EXAMPLE_PATH, GUEST_PATH, loadSeedApp, readGuest, wasiapps } from '../../operator/src/cli/smoke/seed-app.js';

export interface ClusterDemoOptions {
  /** How long the WasiApp may take to finish once created. */
  timeoutMs: number;
  /** Leave the cluster (and the demo's namespace) running afterwards. */
  keep: boolean;
}

const EXIT_INTERRUPTED = 130;
/** The keys the seed guest saves (see guest/ and examples/wasiapp-seed.yaml). */
const STATE_KEYS = ['weapon', 'planets'];

async function redisClusterIp(kc: KubeConfig): Promise<string> {
  const service = await kc.makeApiClient(CoreV1Api).readNamespacedService({ name: CLUSTER_REDIS.name, namespace: CLUSTER_REDIS.namespace });
  return service.spec!.clusterIP!;
}

export async function clusterDemo(options: ClusterDemoOptions): Promise<number> {
  const out = new StepOutput();
  // The developer's cluster (`.wasi-operator`), reused when it runs: the node
  // and Dapr take a minute or two to start, seconds to reuse.
  const stateDir = defaultStateDir();
  let cluster: ClusterHandle | undefined;
  let kc: KubeConfig | undefined;
  let namespace: string | undefined;
  let app: WasiApp | undefined;
  let operatorInstalled = false;
  const interrupt = new AbortController();

  let tearingDown: Promise<void> | undefined;
  const teardown = (keep: boolean): Promise<void> =>
    (tearingDown ??= (async () => {
      if (keep) return;
      // A cluster the demo found running stays as it was (the demo's operator
      // release and namespace go: another operator there would act on the
      // same apps); one it started goes.
      if (cluster?.alreadyRunning && kc) {
        if (namespace) await kc.makeApiClient(CoreV1Api).deleteNamespace({ name: namespace }).catch(() => undefined);
        if (operatorInstalled) {
          await uninstallOperatorChart({ kubeconfig: cluster.kubeconfigPath, stateDir }).catch((err: unknown) => out.say(`helm uninstall failed: ${errorMessage(err)}`));
        }
        out.say(`removed the demo's namespace${operatorInstalled ? ` and the operator release ${OPERATOR_RELEASE}` : ''}; the cluster keeps running (\`wasi-dev cluster down\` stops it)`);
        return;
      }
      const began = Date.now();
      try {
        await stopCluster(stateDir);
        out.say(`stopped the cluster and its node and removed ${stateDir} (${seconds(Date.now() - began)})`);
      } catch (err) {
        out.say(`stopping the cluster failed: ${errorMessage(err)}; run \`wasi-dev cluster down\``);
      }
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
    const module = readGuest();
    out.say(`starting the local cluster in ${stateDir}: control plane, a real node (containerd, kubelet, kube-proxy, CoreDNS), Redis and Dapr's control plane`);
    cluster = await out.step(
      () => startCluster({ stateDir, node: true, progress: (line) => out.say(`  cluster: ${line}`) }),
      (c) => `cluster ${c.alreadyRunning ? 'already running' : 'ready'} at ${c.server}; kubeconfig ${c.kubeconfigPath}`,
    );
    if (interrupt.signal.aborted) return EXIT_INTERRUPTED;
    kc = cluster.kubeConfig();
    await printKubectl(out, cluster.kubeconfigPath, ['get', 'nodes', '-o', 'wide']);

    const images = await out.step(
      () => ensureImages({ registry: REGISTRY_ADDRESS, progress: (line) => out.say(`  images: ${line}`) }),
      (set) => `image ${set.operator} built from the Dockerfile and in the local registry`,
    );
    operatorInstalled = true;
    await out.step(
      () => installOperatorChart({ kubeconfig: cluster!.kubeconfigPath, stateDir, image: pinnedOperatorImage(images) }),
      () => `operator installed with \`helm upgrade --install wasi-operator charts/wasi-operator -n ${OPERATOR_NAMESPACE}\` (default Redis ${CLUSTER_REDIS.name}.${CLUSTER_REDIS.namespace})`,
    );

    namespace = await out.step(() => createFreshNamespace(kc!, 'wasi-demo'), (ns) => `namespace ${ns} created (its default ServiceAccount exists)`);
    const seed = loadSeedApp(namespace);
    const { name: configMap, key } = seed.spec.module.configMap!;
    await out.step(
      () => createModuleConfigMap(kc!, seed, module),
      () => `ConfigMap ${namespace}/${configMap}: binaryData ${key} = ${GUEST_PATH} (${(module.length / 1024).toFixed(1)} KiB)`,
    );
    app = await out.step(() => createApp(kc!, seed), (a) => `WasiApp ${namespace}/${a.metadata.name} created from ${EXAMPLE_PATH}`);

    out.say(`following WasiApp ${namespace}/${seed.metadata.name} until it Succeeded or Failed (timeout ${seconds(options.timeoutMs)})`);
    const followed = await followApp({ kc, namespace, name: seed.metadata.name!, timeoutMs: options.timeoutMs, out, signal: interrupt.signal });
    app = followed.app ?? app;
    const phase = app.status?.phase;
    const result = app.status?.result;
    out.say(followed.timedOut ? `WasiApp did not finish within ${seconds(options.timeoutMs)} (phase ${phase ?? 'none'})` : `WasiApp finished: ${phase}`);

    if (result) {
      out.say("guest output (status.result.output, from the Pod's termination message):");
      out.raw(result.output ?? '');
      out.say(
        `result: passed=${result.passed} exitCode=${result.exitCode} reason=${result.reason ?? '-'} compile=${result.compileMillis}ms instantiate=${result.instantiateMillis}ms run=${result.runMillis}ms`,
      );
    }
    const custom = kc.makeApiClient(CustomObjectsApi);
    await printWasiAppTable(out, cluster.kubeconfigPath, namespace, async () => ((await custom.listNamespacedCustomObject({ ...wasiapps, namespace: namespace! })) as { items: WasiApp[] }).items);
    if (app.status?.podName) {
      await printKubectl(out, cluster.kubeconfigPath, [
        'get', 'pod', app.status.podName, '-n', namespace,
        '-o', 'jsonpath={range .spec.initContainers[*]}{.name}{" (init/sidecar) "}{.image}{"\\n"}{end}{range .spec.containers[*]}{.name}{" "}{.image}{"\\n"}{end}',
      ]);
    }

    const appId = appIdFor(app);
    const redisIp = await redisClusterIp(kc);
    const state: Record<string, string | undefined> = {};
    for (const stateKey of STATE_KEYS) {
      const redisKey = `${appId}||${stateKey}`;
      state[stateKey] = await redisHashGet(CLUSTER_REDIS.port, redisKey, 'data', redisIp);
      out.say(`redis ${CLUSTER_REDIS.name}.${CLUSTER_REDIS.namespace} (${redisIp}) HGET "${redisKey}" data → ${state[stateKey] ?? '(missing)'}`);
    }

    const problems = [
      ...(followed.timedOut ? [`the WasiApp did not finish within ${seconds(options.timeoutMs)}`] : []),
      ...(!followed.timedOut && phase !== 'Succeeded' ? [`the WasiApp ended ${phase}`] : []),
      ...(result?.passed !== true ? [result ? `the guest's result is passed=${result.passed} (reason ${result.reason ?? '-'})` : 'the WasiApp has no result'] : []),
      ...(state.weapon === undefined ? [`no state for app id ${appId} in Redis`] : []),
    ];
    if (problems.length > 0) {
      out.say(`FAILED: ${problems.join('; ')}`);
      await printDiagnostics(out, { kc, kubeconfigPath: cluster.kubeconfigPath, namespace, app });
      return 1;
    }
    out.say(`PASSED: the operator ran WasiApp ${namespace}/${app.metadata.name} on the local cluster's node; the guest saved and read Dapr state backed by Redis (${out.elapsed()} so far)`);
    return 0;
  } catch (err) {
    if (interrupt.signal.aborted) return EXIT_INTERRUPTED;
    out.say(`FAILED: ${errorMessage(err)}`);
    if (existsSync(stateDir) && cluster && namespace) await printDiagnostics(out, { kc, kubeconfigPath: cluster.kubeconfigPath, namespace, app });
    return 1;
  } finally {
    const keep = options.keep && cluster !== undefined && !interrupt.signal.aborted;
    await teardown(keep);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (keep && cluster) {
      out.say(`--keep: the cluster still runs in ${stateDir}`);
      out.say(`  kubectl --kubeconfig ${cluster.kubeconfigPath} get wasiapps -A -o wide`);
      out.say('  stop it with: wasi-dev cluster down');
    }
    out.say(`total ${out.elapsed()}`);
  }
}
