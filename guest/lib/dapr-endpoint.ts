// Where the Dapr sidecar listens. The host puts DAPR_HTTP_ENDPOINT and
// DAPR_HTTP_PORT into the guest env; the injector's fixed port is the fallback.
import { envOr, parseDecimal } from "./args";

export const DEFAULT_DAPR_HTTP_ENDPOINT = "http://127.0.0.1:3500";

export function sidecarEndpoint(): string {
  const endpoint = envOr("DAPR_HTTP_ENDPOINT");
  if (endpoint != null && endpoint.length > 0) return withoutTrailingSlash(endpoint);
  const port = envOr("DAPR_HTTP_PORT");
  if (port != null) {
    const number = parseDecimal(port);
    if (number > 0 && number < 65536) return "http://127.0.0.1:" + number.toString();
  }
  return DEFAULT_DAPR_HTTP_ENDPOINT;
}

function withoutTrailingSlash(url: string): string {
  let end = url.length;
  while (end > 0 && url.charCodeAt(end - 1) == 0x2f /* / */) end--;
  return url.substring(0, end);
}
