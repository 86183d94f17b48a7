// Faults in a test cluster's control plane, made the way they happen: a
// component's process killed and later started again with the same command
// line, environment and log (so the cluster's own `stop` still finds it), and
// etcd compacted through its HTTP gateway.
//
//   const apiserver = await stopComponent(cluster, 'kube-apiserver');
//   ... the operator cannot reach the API server ...
//   await apiserver.start(); // resolves once the API server answers again
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api } from '@kubernetes/client-node';
import { isRunning, spawnDetached } from '../../dev/cluster/processes.js';
import { clusterPaths, type ComponentName } from '../../dev/cluster/state-dir.js';
import { readState, writeState } from '../../dev/cluster/state-file.js';
import type { TestCluster } from './cluster.js';

export interface StoppedComponent {
  /** Starts the component again as it ran before; resolves once it serves (for the API server: answers a list). */
  start(timeoutMs?: number): Promise<void>;
}

function environOf(pid: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** SIGKILLs one control-plane component of `cluster` (its whole process group) and waits until it is gone. */
export async function stopComponent(cluster: TestCluster, name: ComponentName): Promise<StoppedComponent> {
  const paths = clusterPaths(cluster.stateDir);
  const record = readState(paths.stateFile)?.components[name];
  if (!record) throw new Error(`${name} is not recorded in ${paths.stateFile}`);
  const argv = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').split('\0').filter((arg) => arg !== '');
  const env = environOf(record.pid);
  process.kill(-record.pid, 'SIGKILL');
  for (let i = 0; isRunning(record.pid, record.binary); i++) {
    if (i > 200) throw new Error(`${name} (pid ${record.pid}) did not exit after SIGKILL`);
    await sleep(25);
  }

  return {
    async start(timeoutMs = 60_000) {
      const spawned = spawnDetached(argv[0]!, argv.slice(1), record.log, env);
      const state = readState(paths.stateFile)!;
      state.components[name] = { ...record, pid: spawned.pid };
      writeState(paths.stateFile, state);
      if (name !== 'kube-apiserver') return;
      const core = cluster.kc.makeApiClient(CoreV1Api);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          await core.listNamespace({ limit: 1 });
          return;
        } catch (err) {
          if (Date.now() > deadline) throw new Error(`kube-apiserver did not answer within ${timeoutMs} ms of its restart: ${String(err)}`);
          if (spawned.exit) throw new Error(`kube-apiserver exited on restart (${JSON.stringify(spawned.exit)}); see ${record.log}`);
        }
        await sleep(100);
      }
    },
  };
}

/** Compacts etcd's history up to its current revision (as its periodic compaction would); returns that revision. */
export async function compactEtcd(cluster: TestCluster): Promise<number> {
  const state = readState(clusterPaths(cluster.stateDir).stateFile);
  if (!state) throw new Error(`no cluster state in ${cluster.stateDir}`);
  const etcd = `http://127.0.0.1:${state.ports.etcdClient}`;
  const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${etcd}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`etcd ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  // Any range answers with the store's header; key "\0" (AA== in base64) reads nothing.
  const range = await post('/v3/kv/range', { key: 'AA==' });
  const revision = Number((range.header as { revision?: string } | undefined)?.revision);
  if (!Number.isInteger(revision) || revision <= 0) throw new Error(`etcd answered no revision: ${JSON.stringify(range)}`);
  await post('/v3/kv/compaction', { revision: String(revision), physical: true });
  return revision;
}
