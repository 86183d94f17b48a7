// Ports of its own for each operator Pod. In a cluster every Pod has its own
// network namespace, so the chart's `--metrics-addr=:8080` and
// `--probe-addr=:8081` never collide; here every Pod's process shares the
// machine's, so two operator Pods on the node (replicas: 2, or the old and new
// Pod of a rolling update) would fight over 8080 and 8081, and so would
// anything else on the machine. The agent plays the container runtime's port
// mapping instead: each listener the operator would open moves to a free
// loopback port (loopback: the Pod's IP in its status is 127.0.0.1), and the
// container port it stood for maps to it, so a probe on `port: probes` (8081)
// reaches the moved listener. Pure.
import { parseControllerArgs } from '../../controller/config.js';
import { WasiOperatorError } from '../../util/errors.js';

export interface LocalListeners {
  /** Flags to append to the args: the operator takes the last value of a repeated flag. */
  extraArgs: string[];
  /** container port → the local port it was moved to */
  ports: Map<number, number>;
}

const LISTENER_FLAGS = [
  { flag: 'metrics-addr', option: 'metricsAddr' },
  { flag: 'probe-addr', option: 'probeAddr' },
] as const;

/** How many free ports `localListeners` may need. */
export const LISTENER_COUNT = LISTENER_FLAGS.length;

function portOf(addr: string): number | undefined {
  const port = Number(addr.slice(addr.lastIndexOf(':') + 1));
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

/**
 * `controllerArgs` are the container's args after `controller`; `env` is its
 * env (the operator reads WASI_OPERATOR_*_ADDR too). The addresses are the
 * operator's own reading of them (its flag parser), so its defaults and
 * disabled listeners ("0") count exactly as it counts them. Args the operator
 * refuses are left alone: it exits with its own message.
 */
export function localListeners(controllerArgs: string[], env: Record<string, string>, freePorts: number[]): LocalListeners {
  const none: LocalListeners = { extraArgs: [], ports: new Map() };
  let parsed;
  try {
    parsed = parseControllerArgs(controllerArgs, env);
  } catch {
    return none;
  }
  if (parsed.help) return none;
  const available = [...freePorts];
  const ports = new Map<number, number>();
  const extraArgs: string[] = [];
  for (const { flag, option } of LISTENER_FLAGS) {
    const addr = parsed.options[option];
    if (addr === undefined) continue;
    const containerPort = portOf(addr);
    // Port 0 (any free port) needs no mapping: it cannot collide.
    if (containerPort === undefined) continue;
    let local = ports.get(containerPort);
    if (local === undefined) {
      local = available.shift();
      if (local === undefined) throw new WasiOperatorError('ERR_NODE_AGENT_PORTS', `localListeners needs ${LISTENER_COUNT} free ports, got ${freePorts.length}`);
      ports.set(containerPort, local);
    }
    extraArgs.push(`--${flag}=127.0.0.1:${local}`);
  }
  return { extraArgs, ports };
}
