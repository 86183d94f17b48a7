// The real node's life on this machine: a crashed cluster (every process
// SIGKILLed) is cleaned up by the next `up`, and `down` leaves nothing of the
// node behind: no process, mount, network namespace, bridge or nftables
// table, and the kernel settings it changed are back. Runs last
// (test/sequencer.mjs): it stops the cluster the other node tests share.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { CoreV1Api } from '@kubernetes/client-node';
import { clusterStatus, startCluster, stopCluster } from '../../dev/cluster/cluster.js';
import { readState } from '../../dev/cluster/state-file.js';
import { clusterPaths } from '../../dev/cluster/state-dir.js';
import { NODE_NAME, NODE_NETWORK, nodePaths } from '../../dev/node/node-layout.js';
import { mountsUnder } from '../../dev/node/node-teardown.js';
import { NODE_START_TIMEOUT_MS, NODE_TEST_STATE_DIR, useNodeCluster } from '../helpers/node-cluster.js';

const stateDir = NODE_TEST_STATE_DIR;

function processesNaming(dir: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(dir) && !line.includes('jest'));
}

function commandSucceeds(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('up after a crash (every process SIGKILLed) cleans up and starts a fresh node', async () => {
  await useNodeCluster();
  const state = readState(clusterPaths(stateDir).stateFile)!;
  for (const record of Object.values(state.components)) {
    try {
      process.kill(record!.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  expect((await clusterStatus(stateDir)).phase).toBe('degraded');

  const fresh = await startCluster({ stateDir, node: true, dapr: false, progress: () => undefined });
  expect(fresh.alreadyRunning).toBe(false);
  const node = await fresh.kubeConfig().makeApiClient(CoreV1Api).readNode({ name: NODE_NAME });
  expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  expect(node.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^containerd:\/\/2\./);
}, NODE_START_TIMEOUT_MS);

test('down leaves no process, mount, network namespace, bridge or firewall table, and restores the kernel settings', async () => {
  const saved = JSON.parse(readFileSync(nodePaths(stateDir).savedSysctls, 'utf8')) as Record<string, string>;
  expect(await stopCluster(stateDir)).toBe(true);

  expect(processesNaming(stateDir)).toEqual([]);
  expect(mountsUnder(stateDir)).toEqual([]);
  expect(existsSync(stateDir)).toBe(false);
  expect(commandSucceeds('ip', ['link', 'show', NODE_NETWORK.bridge])).toBe(false);
  expect(commandSucceeds('nft', ['list', 'table', 'inet', NODE_NETWORK.firewallTable])).toBe(false);
  expect(commandSucceeds('nft', ['list', 'table', 'ip', 'kube-proxy'])).toBe(false);
  const now = Object.fromEntries(Object.keys(saved).map((key) => [key, readFileSync(`/proc/sys/${key.replaceAll('.', '/')}`, 'utf8').trim()]));
  expect(now).toEqual(saved);
}, 120_000);
