// Dapr service invocation: `<METHOD> /v1.0/invoke/<app-id>/method/<method>`;
// the sidecar forwards the request to that app (its own app when the id is its
// own) and returns the app's answer. DaprClient.invokeMethod calls this.
import { DaprError } from "./dapr-error";
import { DaprRequest, exchange, failure } from "./dapr-transport";

export class InvokeResult {
  constructor(
    /** The app's HTTP status (or Dapr's, when Dapr refused); 0 when the exchange failed. */
    public readonly status: i32,
    /** The app's answer, also when it is an error. */
    public readonly body: string,
    /** The answer's Content-Type on a 2xx with content, else null. */
    public readonly contentType: string | null,
    /** Set on a non-2xx (Dapr's errorCode, e.g. ERR_DIRECT_INVOKE, or the app's own body as message). */
    public readonly error: DaprError | null,
  ) {}
}

/** `method` is the app's path, with an optional query (`orders/7?verbose=1`); it is URI-encoded as a path. */
export function invokeAppMethod(
  endpoint: string, logRequests: bool,
  appId: string, method: string, httpMethod: string, body: string | null, contentType: string,
): InvokeResult {
  const operation = "invoke " + appId + "/" + method;
  let path = method;
  while (path.startsWith("/")) path = path.substring(1);
  const request = new DaprRequest(httpMethod, endpoint + "/v1.0/invoke/" + encodeURIComponent(appId) + "/method/" + encodeURI(path));
  request.body = body;
  request.contentType = contentType;
  request.responseHeader = "content-type";
  const answer = exchange(request, logRequests);
  return new InvokeResult(answer.status, answer.body, answer.header, failure(operation, answer));
}
