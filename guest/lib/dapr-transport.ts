// One HTTP exchange with the Dapr sidecar, shared by every building block
// (state in dapr.ts, pub/sub, bindings, secrets, invocation): the request is
// sent, everything needed is read, and the host handle is closed on every path
// before the caller sees the Answer.
import { RequestBuilder } from "./http";
import { HttpError } from "./http-error";
import { DaprError } from "./dapr-error";
import { println } from "./console";
import { jsonQuote } from "./json";

/** What one HTTP exchange produced, with the host handle already closed. */
export class Answer {
  constructor(
    public readonly status: i32,
    public readonly body: string,
    /** The response header asked for (DaprRequest.responseHeader), or null. */
    public readonly header: string | null,
    public readonly error: HttpError | null,
  ) {}
}

export class DaprRequest {
  /** Request body; sent with `contentType`. Nothing is sent when null. */
  body: string | null = null;
  contentType: string = "application/json";
  ifMatch: string | null = null;
  /** A response header to read on a 2xx answer with content (not 204), e.g. "etag". */
  responseHeader: string | null = null;

  constructor(public readonly method: string, public readonly url: string) {}
}

/** Sends one request and reads everything needed, so the handle is closed on every path. */
export function exchange(request: DaprRequest, logRequests: bool): Answer {
  const body = request.body;
  if (logRequests) println(body != null ? request.method + " " + request.url + " with " + body : request.method + " " + request.url);
  const builder = new RequestBuilder(request.url).method(request.method);
  if (body != null) builder.header("Content-Type", request.contentType).body(body);
  const ifMatch = request.ifMatch;
  if (ifMatch != null) builder.header("If-Match", ifMatch);
  const sent = builder.send();
  const response = sent.response;
  if (response == null) return new Answer(0, "", null, sent.error);
  // Only a 2xx with content carries the headers callers ask for; asking after
  // a 204 or an error would just be a "header not found" the host logs.
  const wanted = request.responseHeader;
  const status = response.status;
  const header = wanted != null && status >= 200 && status < 300 && status != 204 ? response.header(wanted) : null;
  const text = response.bodyText();
  const closeError = response.close();
  const readError = response.error;
  return new Answer(status, text, header, readError != null ? readError : closeError);
}

/** The call's DaprError: the exchange failed, or Dapr (or the app) answered non-2xx. */
export function failure(operation: string, answer: Answer): DaprError | null {
  const httpError = answer.error;
  if (httpError != null) return DaprError.fromHttp(operation, httpError);
  if (answer.status < 200 || answer.status > 299) return DaprError.fromAnswer(operation, answer.status, answer.body);
  return null;
}

/** `metadata.<name>=<value>` query parameters (each part URI-encoded), "" when there are none. */
export function metadataQuery(metadata: Map<string, string> | null): string {
  if (metadata == null) return "";
  const names = metadata.keys();
  let query = "";
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    query += (i == 0 ? "?" : "&") + "metadata." + encodeURIComponent(name) + "=" + encodeURIComponent(metadata.get(name));
  }
  return query;
}

/** A JSON object of string values, `{}` when null. */
export function metadataObject(metadata: Map<string, string> | null): string {
  if (metadata == null) return "{}";
  const names = metadata.keys();
  let json = "{";
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (i > 0) json += ",";
    json += jsonQuote(name) + ":" + jsonQuote(metadata.get(name));
  }
  return json + "}";
}
