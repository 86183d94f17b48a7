// Starts one component and waits for its readiness probe; a component that
// exits or never gets ready fails the start with the tail of its own log.
import { setTimeout as sleep } from 'node:timers/promises';
import { DevError } from '../dev-errors.js';
import type { ProgressReporter } from '../tools/go-build.js';
import { tailOf } from './log-tail.js';
import { waitUntil } from './probes.js';
import { isRunning, spawnDetached, type SpawnedProcess } from './processes.js';
import type { ProcessName } from './state-dir.js';
import type { ComponentRecord } from './state-file.js';

export interface LaunchSpec {
  name: ProcessName;
  binary: string;
  args: string[];
  log: string;
  ready: () => Promise<boolean>;
  timeoutMs: number;
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
}

export function startFailure(name: ProcessName, log: string, what: string): DevError {
  const tail = tailOf(log, 15);
  const portTaken = /address already in use/i.test(tail);
  const hint = portTaken
    ? 'Another process took one of the chosen ports; run `wasi-dev cluster up` again to pick new ones.'
    : 'Fix the cause shown above and run `wasi-dev cluster up` again (it cleans up this attempt first), or `wasi-dev cluster down` to remove it.';
  return new DevError(portTaken ? 'ERR_CLUSTER_PORT_IN_USE' : 'ERR_CLUSTER_COMPONENT_START', `${name} ${what}. Last lines of ${log}:\n${tail}\n${hint}`);
}

/** Spawns the component, reports its record before waiting (so a crash mid-wait can still be cleaned up), then waits until ready. */
export async function launchComponent(spec: LaunchSpec, onSpawned: (record: ComponentRecord) => void, progress: ProgressReporter): Promise<SpawnedProcess> {
  const started = Date.now();
  progress(`starting ${spec.name}…`);
  const spawned = spawnDetached(spec.binary, spec.args, spec.log, spec.env);
  onSpawned({ pid: spawned.pid, binary: spec.binary, log: spec.log });
  const outcome = await waitUntil(spec.ready, () => spawned.exit === undefined && isRunning(spawned.pid, spec.binary), spec.timeoutMs);
  if (outcome === 'exited') {
    // /proc notices the exit before Node delivers the exit event.
    for (let i = 0; i < 10 && spawned.exit === undefined; i++) await sleep(50);
    const how = spawned.exit?.signal ? `signal ${spawned.exit.signal}` : `exit code ${spawned.exit?.code ?? 'unknown'}`;
    throw startFailure(spec.name, spec.log, `exited during start (${how})`);
  }
  if (outcome === 'timeout') throw startFailure(spec.name, spec.log, `was not ready after ${spec.timeoutMs / 1000}s`);
  progress(`${spec.name} ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return spawned;
}
