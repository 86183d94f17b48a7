// A Dapr client over the HTTP client in http.ts: state here; publish, output
// bindings, secrets and service invocation in dapr-pubsub.ts, dapr-bindings.ts,
// dapr-secrets.ts and dapr-invoke.ts, reached through the same DaprClient.
//
// Values are raw JSON text at this level: saveState(store, "weapon",
// jsonQuote("Death Star")) stores the JSON string "Death Star", and getState
// hands back the stored JSON text for the caller to parse (json-as). Every call
// returns its error as a value, and every response handle is closed before the
// call returns.
import { Method } from "./http";
import { DaprError } from "./dapr-error";
import { sidecarEndpoint } from "./dapr-endpoint";
import { Answer, DaprRequest, exchange as sendToSidecar, failure as answerFailure } from "./dapr-transport";
import { isJson, jsonQuote, parseObjectArray, rawMember, stringMember } from "./json";
import { publishEvent } from "./dapr-pubsub";
import { BindingResult, invokeOutputBinding } from "./dapr-bindings";
import { GetSecretResult, fetchSecret } from "./dapr-secrets";
import { InvokeResult, invokeAppMethod } from "./dapr-invoke";

export { DaprError } from "./dapr-error";
export { BindingResult } from "./dapr-bindings";
export { GetSecretResult } from "./dapr-secrets";
export { InvokeResult } from "./dapr-invoke";
export { sidecarEndpoint, DEFAULT_DAPR_HTTP_ENDPOINT } from "./dapr-endpoint";

export class StateItem {
  constructor(
    public readonly key: string,
    /** JSON text, e.g. `"Death Star"` (with quotes) or `{"test":123}`. */
    public readonly value: string,
    /** Only write when the stored version still has this ETag. */
    public readonly etag: string | null = null,
  ) {}
}

export class GetStateResult {
  constructor(
    /** False when Dapr answered 204: the key does not exist (not an error). */
    public readonly found: bool,
    /** The stored JSON text; "" when not found or on error. */
    public readonly value: string,
    public readonly etag: string | null,
    public readonly error: DaprError | null,
  ) {}
}

export class BulkStateItem {
  constructor(
    public readonly key: string,
    public readonly found: bool,
    public readonly value: string,
    public readonly etag: string | null,
    /** Dapr's per-key error, e.g. when the store failed for this key only. */
    public readonly error: string | null,
  ) {}
}

export class GetBulkStateResult {
  constructor(public readonly items: BulkStateItem[], public readonly error: DaprError | null) {}
}

export class TransactionOperation {
  private constructor(
    public readonly operation: string,
    public readonly key: string,
    public readonly value: string | null,
    public readonly etag: string | null,
  ) {}

  static upsert(key: string, value: string, etag: string | null = null): TransactionOperation {
    return new TransactionOperation("upsert", key, value, etag);
  }

  static delete(key: string, etag: string | null = null): TransactionOperation {
    return new TransactionOperation("delete", key, null, etag);
  }
}

// An ETag only protects a write when first-write concurrency is asked for
// (with last-write the store may ignore it), so a write with an ETag says so.
const FIRST_WRITE_OPTIONS = "{\"concurrency\":\"first-write\"}";

export class DaprClient {
  /** Print each request as the seed's client did: `POST <url> with <body>`, `GET <url>`. */
  logRequests: bool = false;

  /** `endpoint` defaults to the sidecar named by the env (see dapr-endpoint.ts). */
  constructor(public readonly endpoint: string = sidecarEndpoint()) {}

  saveState(storeName: string, key: string, value: string, etag: string | null = null): DaprError | null {
    return this.saveBulkState(storeName, [new StateItem(key, value, etag)]);
  }

  saveBulkState(storeName: string, items: StateItem[]): DaprError | null {
    const operation = "save state " + storeName;
    let body = "[";
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (!isJson(item.value)) {
        return DaprError.invalidRequest(operation, "the value for key " + jsonQuote(item.key) + " is not JSON");
      }
      if (i > 0) body += ",";
      body += "{\"key\":" + jsonQuote(item.key) + ",\"value\":" + item.value;
      const etag = item.etag;
      if (etag != null) body += ",\"etag\":" + jsonQuote(etag) + ",\"options\":" + FIRST_WRITE_OPTIONS;
      body += "}";
    }
    body += "]";
    const answer = this.exchange(Method.POST, this.stateUrl(storeName), body, false);
    return this.failure(operation, answer);
  }

  getState(storeName: string, key: string): GetStateResult {
    const operation = "get state " + storeName + "/" + key;
    const answer = this.exchange(Method.GET, this.keyUrl(storeName, key), null, true);
    const error = this.failure(operation, answer);
    if (error != null) return new GetStateResult(false, "", null, error);
    if (answer.status == 204) return new GetStateResult(false, "", null, null);
    return new GetStateResult(true, answer.body, answer.header, null);
  }

  getBulkState(storeName: string, keys: string[], parallelism: i32 = 0): GetBulkStateResult {
    const operation = "get bulk state " + storeName;
    let body = "{\"keys\":[";
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) body += ",";
      body += jsonQuote(keys[i]);
    }
    body += "]";
    if (parallelism > 0) body += ",\"parallelism\":" + parallelism.toString();
    body += "}";
    const answer = this.exchange(Method.POST, this.stateUrl(storeName) + "/bulk", body, false);
    const items = new Array<BulkStateItem>();
    const error = this.failure(operation, answer);
    if (error != null) return new GetBulkStateResult(items, error);
    const parsed = parseObjectArray(answer.body);
    if (parsed == null) {
      return new GetBulkStateResult(items, DaprError.fromAnswer(operation + " (answer is not a JSON array)", answer.status, answer.body));
    }
    for (let i = 0; i < parsed.length; i++) {
      const entry = parsed[i];
      const key = stringMember(entry, "key");
      const data = rawMember(entry, "data");
      items.push(new BulkStateItem(
        key != null ? key : "",
        data != null,
        data != null ? data : "",
        stringMember(entry, "etag"),
        stringMember(entry, "error"),
      ));
    }
    return new GetBulkStateResult(items, null);
  }

  deleteState(storeName: string, key: string, etag: string | null = null): DaprError | null {
    const operation = "delete state " + storeName + "/" + key;
    let url = this.keyUrl(storeName, key);
    if (etag != null) url += "?concurrency=first-write";
    const answer = this.exchange(Method.DELETE, url, null, false, etag);
    return this.failure(operation, answer);
  }

  transaction(storeName: string, operations: TransactionOperation[]): DaprError | null {
    const operation = "state transaction " + storeName;
    let body = "{\"operations\":[";
    for (let i = 0; i < operations.length; i++) {
      const op = operations[i];
      if (i > 0) body += ",";
      body += "{\"operation\":\"" + op.operation + "\",\"request\":{\"key\":" + jsonQuote(op.key);
      const value = op.value;
      if (value != null) {
        if (!isJson(value)) {
          return DaprError.invalidRequest(operation, "the value for key " + jsonQuote(op.key) + " is not JSON");
        }
        body += ",\"value\":" + value;
      }
      const etag = op.etag;
      if (etag != null) body += ",\"etag\":" + jsonQuote(etag) + ",\"options\":" + FIRST_WRITE_OPTIONS;
      body += "}}";
    }
    body += "]}";
    const answer = this.exchange(Method.POST, this.stateUrl(storeName) + "/transaction", body, false);
    return this.failure(operation, answer);
  }

  /**
   * Publishes `data` to `topic` (`POST /v1.0/publish/<pubsub>/<topic>`, 204).
   * With a JSON content type (the default) `data` must be JSON text; other
   * types send it as is. `metadata` becomes `?metadata.<name>=<value>`
   * (e.g. rawPayload, ttlInSeconds).
   */
  publish(pubsubName: string, topic: string, data: string, contentType: string = "application/json", metadata: Map<string, string> | null = null): DaprError | null {
    return publishEvent(this.endpoint, this.logRequests, pubsubName, topic, data, contentType, metadata);
  }

  /**
   * Calls an output binding (`POST /v1.0/bindings/<name>` with
   * `{"operation", "data", "metadata"}`); `data` is JSON text or null for none.
   * The result's `data` is the binding's answer.
   */
  invokeBinding(name: string, operation: string, data: string | null, metadata: Map<string, string> | null = null): BindingResult {
    return invokeOutputBinding(this.endpoint, this.logRequests, name, operation, data, metadata);
  }

  /** Reads one secret (`GET /v1.0/secrets/<store>/<key>`): the map Dapr returns. */
  getSecret(storeName: string, key: string, metadata: Map<string, string> | null = null): GetSecretResult {
    return fetchSecret(this.endpoint, this.logRequests, storeName, key, metadata);
  }

  /**
   * Calls `method` of app `appId` through the sidecar
   * (`<httpMethod> /v1.0/invoke/<app-id>/method/<method>`); `body` is sent
   * with `contentType` when not null. A non-2xx answer sets `error`.
   */
  invokeMethod(appId: string, method: string, httpMethod: string, body: string | null = null, contentType: string = "application/json"): InvokeResult {
    return invokeAppMethod(this.endpoint, this.logRequests, appId, method, httpMethod, body, contentType);
  }

  private stateUrl(storeName: string): string {
    return this.endpoint + "/v1.0/state/" + encodeURIComponent(storeName);
  }

  private keyUrl(storeName: string, key: string): string {
    return this.stateUrl(storeName) + "/" + encodeURIComponent(key);
  }

  /** One exchange with the sidecar; the handle is closed before this returns. */
  private exchange(method: string, url: string, body: string | null, wantEtag: bool, ifMatch: string | null = null): Answer {
    const request = new DaprRequest(method, url);
    request.body = body;
    request.ifMatch = ifMatch;
    if (wantEtag) request.responseHeader = "etag";
    return sendToSidecar(request, this.logRequests);
  }

  private failure(operation: string, answer: Answer): DaprError | null {
    return answerFailure(operation, answer);
  }
}
