// The Dapr sidecar next to the guest: where it is (from the host's own env,
// which the Dapr injector fills in), when it is ready, and how to stop it
// after a run-to-completion guest. Plain fetch: @dapr/dapr costs ~0.2 s to
// import and would sit on every guest's start-up path.
import { HostError, HostErrorCode } from './host-errors.js';
import { hostLog } from './host-log.js';

export interface Sidecar {
  /** Origin of the sidecar's HTTP API, e.g. http://127.0.0.1:3500. */
  readonly origin: string;
  readonly port: string;
}

const HEALTH_PATH = '/v1.0/healthz/outbound';
const SHUTDOWN_PATH = '/v1.0/shutdown';
const POLL_INTERVAL_MS = 100;
const PROBE_TIMEOUT_MS = 2000;
const SHUTDOWN_TIMEOUT_MS = 5000;

function endpointError(message: string): HostError {
  return new HostError(HostErrorCode.SidecarEndpoint, message);
}

/** The sidecar named by DAPR_HTTP_ENDPOINT (preferred) or DAPR_HTTP_PORT, or none. */
export function sidecarFromEnv(env: NodeJS.ProcessEnv): Sidecar | undefined {
  const endpoint = env.DAPR_HTTP_ENDPOINT?.trim();
  if (endpoint) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw endpointError(`DAPR_HTTP_ENDPOINT="${endpoint}" is not a URL; set it to the sidecar's HTTP address, e.g. http://127.0.0.1:3500`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw endpointError(`DAPR_HTTP_ENDPOINT="${endpoint}" must be an http:// or https:// URL`);
    }
    return { origin: url.origin, port: url.port || (url.protocol === 'https:' ? '443' : '80') };
  }
  const port = env.DAPR_HTTP_PORT?.trim();
  if (port) {
    if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
      throw endpointError(`DAPR_HTTP_PORT="${port}" is not a TCP port; set it to the sidecar's HTTP port, e.g. 3500`);
    }
    return { origin: `http://127.0.0.1:${Number(port)}`, port: String(Number(port)) };
  }
  return undefined;
}

/** What the guest is told about its sidecar, so it never hard-codes 3500. */
export function sidecarGuestEnv(sidecar: Sidecar): Record<string, string> {
  return { DAPR_HTTP_PORT: sidecar.port, DAPR_HTTP_ENDPOINT: sidecar.origin };
}

async function probe(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await response.body?.cancel();
    return response.status === 204 ? undefined : `HTTP ${response.status}`;
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : undefined;
    return cause ?? (err instanceof Error ? err.message : String(err));
  }
}

/** Resolves once the sidecar's components are loaded; throws SidecarUnavailable after `timeoutMs`. */
export async function waitForSidecar(sidecar: Sidecar, timeoutMs: number): Promise<void> {
  const url = `${sidecar.origin}${HEALTH_PATH}`;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const problem = await probe(url);
    if (problem === undefined) return;
    if (performance.now() + POLL_INTERVAL_MS > deadline) {
      throw new HostError(
        HostErrorCode.SidecarUnavailable,
        `the Dapr sidecar at ${sidecar.origin} did not answer GET ${HEALTH_PATH} with 204 within ${timeoutMs / 1000} s (last: ${problem}); check the daprd container's log and its components, or raise --sidecar-timeout`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** Asks the sidecar to exit so that a run-to-completion Pod can finish; never throws. */
export async function shutdownSidecar(sidecar: Sidecar): Promise<void> {
  try {
    const response = await fetch(`${sidecar.origin}${SHUTDOWN_PATH}`, { method: 'POST', signal: AbortSignal.timeout(SHUTDOWN_TIMEOUT_MS) });
    await response.body?.cancel();
    if (response.status >= 300) hostLog.warn({ sidecar: sidecar.origin, status: response.status }, 'dapr shutdown refused');
  } catch (err) {
    hostLog.warn({ sidecar: sidecar.origin, err }, 'dapr shutdown failed');
  }
}
