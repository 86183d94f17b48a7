// Stops the local cluster with its real node that test/helpers/node-cluster.ts
// started for the run (one per machine; it must not outlive `npm test`).
// Plain JavaScript from dist/: Jest runs this outside its transform.
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default async function globalTeardown() {
  if (process.env.WASI_OPERATOR_TEST_KEEP_NODE === '1') return;
  const stateDir = process.env.WASI_OPERATOR_TEST_NODE_DIR || join(tmpdir(), 'wasi-operator-test-node');
  if (!existsSync(join(stateDir, 'cluster.json'))) return;
  const { stopCluster } = await import('../dist/dev/cluster/cluster.js');
  await stopCluster(stateDir, { graceMs: 5_000 });
}
