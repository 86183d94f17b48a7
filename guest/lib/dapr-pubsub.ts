// Dapr pub/sub: publish one event (`POST /v1.0/publish/<pubsub>/<topic>`).
// DaprClient.publish calls this; see dapr.ts.
import { Method } from "./http";
import { DaprError } from "./dapr-error";
import { DaprRequest, exchange, failure, metadataQuery } from "./dapr-transport";
import { isJson } from "./json";

/** application/json or any `+json` type (application/cloudevents+json): the data must be JSON. */
export function isJsonContentType(contentType: string): bool {
  const semicolon = contentType.indexOf(";");
  const media = (semicolon >= 0 ? contentType.substring(0, semicolon) : contentType).trim().toLowerCase();
  return media == "application/json" || media.endsWith("+json");
}

/**
 * Dapr answers 204 once the component accepted the event. Dapr wraps the data
 * in a CloudEvent unless it is one already (application/cloudevents+json) or
 * the metadata says `rawPayload: "true"`.
 */
export function publishEvent(
  endpoint: string, logRequests: bool,
  pubsubName: string, topic: string, data: string, contentType: string, metadata: Map<string, string> | null,
): DaprError | null {
  const operation = "publish " + pubsubName + "/" + topic;
  if (isJsonContentType(contentType) && !isJson(data)) {
    return DaprError.invalidRequest(operation, "the data is not JSON but the content type is " + contentType);
  }
  const url = endpoint + "/v1.0/publish/" + encodeURIComponent(pubsubName) + "/" + encodeURIComponent(topic) + metadataQuery(metadata);
  const request = new DaprRequest(Method.POST, url);
  request.body = data;
  request.contentType = contentType;
  return failure(operation, exchange(request, logRequests));
}
