// Starts one component and waits for its readiness probe; a component that
// exits or never gets ready fails the start with the tail of its own log.
import { WasiOperatorError } from '../../util/errors.js';
import type { ProgressReporter } from '../tools/go-build.js';
import { tailOf } from './log-tail.js';
import { waitUntil } from './probes.js';
import { isRunning, spawnDetached, type SpawnedProcess } from './processes.js';
import type { ComponentName } from './state-dir.js';
import type { ComponentRecord } from './state-file.js';

export interface LaunchSpec {
  name: ComponentName;
  binary: string;
  args: string[];
  log: string;
  ready: () => Promise<boolean>;
  timeoutMs: number;
}

export function startFailure(name: ComponentName, log: string, what: string): WasiOperatorError {
  const tail = tailOf(log);
  const hint = /address already in use/i.test(tail)
    ? 'Another process took one of the chosen ports; run `wasi-operator cluster up` again to pick new ones.'
    : 'Fix the cause shown above and run `wasi-operator cluster up` again (it cleans up this attempt first), or `wasi-operator cluster down` to remove it.';
  return new WasiOperatorError('ERR_CLUSTER_COMPONENT_START', `${name} ${what}. Last lines of ${log}:\n${tail}\n${hint}`);
}

/** Spawns the component, reports its record before waiting (so a crash mid-wait can still be cleaned up), then waits until ready. */
export async function launchComponent(spec: LaunchSpec, onSpawned: (record: ComponentRecord) => void, progress: ProgressReporter): Promise<SpawnedProcess> {
  const started = Date.now();
  progress(`starting ${spec.name}…`);
  const spawned = spawnDetached(spec.binary, spec.args, spec.log);
  onSpawned({ pid: spawned.pid, binary: spec.binary, log: spec.log });
  const outcome = await waitUntil(spec.ready, () => spawned.exit === undefined && isRunning(spawned.pid, spec.binary), spec.timeoutMs);
  if (outcome === 'exited') {
    const how = spawned.exit?.signal ? `signal ${spawned.exit.signal}` : `exit code ${spawned.exit?.code ?? 'unknown'}`;
    throw startFailure(spec.name, spec.log, `exited during start (${how})`);
  }
  if (outcome === 'timeout') throw startFailure(spec.name, spec.log, `was not ready after ${spec.timeoutMs / 1000}s`);
  progress(`${spec.name} ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return spawned;
}
