// Dapr output bindings: `POST /v1.0/bindings/<name>` with
// `{"operation", "data", "metadata"}`. DaprClient.invokeBinding calls this.
import { Method } from "./http";
import { DaprError } from "./dapr-error";
import { DaprRequest, exchange, failure, metadataObject } from "./dapr-transport";
import { isJson, jsonQuote } from "./json";

export class BindingResult {
  constructor(
    /** What the binding answered (bindings.http: the target's body; bindings.redis get: the value); "" on error or 204. */
    public readonly data: string,
    public readonly error: DaprError | null,
  ) {}
}

/**
 * `data` is JSON text and reaches the binding as that JSON (a JSON string keeps
 * its quotes); null sends no data. `metadata` is the binding's per-request
 * metadata, e.g. `path` for bindings.http, `key` for bindings.redis.
 */
export function invokeOutputBinding(
  endpoint: string, logRequests: bool,
  name: string, operation: string, data: string | null, metadata: Map<string, string> | null,
): BindingResult {
  const what = "invoke binding " + name + " (" + operation + ")";
  let body = "{\"operation\":" + jsonQuote(operation);
  if (data != null) {
    if (!isJson(data)) return new BindingResult("", DaprError.invalidRequest(what, "the data is not JSON"));
    body += ",\"data\":" + data;
  }
  body += ",\"metadata\":" + metadataObject(metadata) + "}";
  const request = new DaprRequest(Method.POST, endpoint + "/v1.0/bindings/" + encodeURIComponent(name));
  request.body = body;
  const answer = exchange(request, logRequests);
  const error = failure(what, answer);
  return new BindingResult(error == null ? answer.body : "", error);
}
