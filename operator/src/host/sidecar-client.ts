// Talking to the Dapr sidecar: wait until it is ready before the guest
// starts, and stop it after a run-to-completion guest. Plain fetch:
// @dapr/dapr costs ~0.2 s to import and would sit on every guest's start-up.
import { HostError, HostErrorCode } from './host-errors.js';
import { hostLog } from './host-log.js';
import type { Sidecar } from './sidecar-endpoint.js';

const HEALTH_PATH = '/v1.0/healthz/outbound';
const SHUTDOWN_PATH = '/v1.0/shutdown';
const POLL_INTERVAL_MS = 100;
const PROBE_TIMEOUT_MS = 2000;
const SHUTDOWN_TIMEOUT_MS = 5000;

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
