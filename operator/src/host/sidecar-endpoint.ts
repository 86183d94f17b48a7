// Where the Dapr sidecar next to the guest is: the host's own env names it
// (the Dapr injector sets DAPR_HTTP_PORT on app containers), and the guest is
// told the same, so it never hard-codes 3500.
import { isIP } from 'node:net';
import { HostError, HostErrorCode } from './host-errors.js';

export interface Sidecar {
  /** Origin of the sidecar's HTTP API, e.g. http://127.0.0.1:3500. */
  readonly origin: string;
  readonly port: string;
}

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

/** What the guest is told about its sidecar. */
export function sidecarGuestEnv(sidecar: Sidecar): Record<string, string> {
  return { DAPR_HTTP_PORT: sidecar.port, DAPR_HTTP_ENDPOINT: sidecar.origin };
}

/**
 * The allow-list a guest gets when none is given: its sidecar. A sidecar
 * named by host name (DAPR_HTTP_ENDPOINT=http://localhost:3500) resolves to
 * loopback, which the DNS rule (destination-guard.ts) allows only when the
 * list names the address too: the sidecar's port on 127.0.0.1 and [::1]
 * comes with it.
 */
export function sidecarAllowList(sidecar: Sidecar): string[] {
  const url = new URL(sidecar.origin);
  if (isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0) return [sidecar.origin];
  return [sidecar.origin, `${url.protocol}//127.0.0.1:${sidecar.port}`, `${url.protocol}//[::1]:${sidecar.port}`];
}
