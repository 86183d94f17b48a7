// Dapr secrets: `GET /v1.0/secrets/<store>/<key>` → `{"<name>":"<value>", …}`.
// DaprClient.getSecret calls this.
import { Method } from "./http";
import { DaprError } from "./dapr-error";
import { DaprRequest, exchange, failure, metadataQuery } from "./dapr-transport";
import { parseObject, stringMember } from "./json";

export class GetSecretResult {
  constructor(
    /** Every name → value Dapr returned (one entry for most stores); empty on error. */
    public readonly values: Map<string, string>,
    public readonly error: DaprError | null,
  ) {}

  /** The value named `name`, or null. */
  get(name: string): string | null {
    return this.values.has(name) ? this.values.get(name) : null;
  }
}

export function fetchSecret(
  endpoint: string, logRequests: bool,
  storeName: string, key: string, metadata: Map<string, string> | null,
): GetSecretResult {
  const operation = "get secret " + storeName + "/" + key;
  const url = endpoint + "/v1.0/secrets/" + encodeURIComponent(storeName) + "/" + encodeURIComponent(key) + metadataQuery(metadata);
  const answer = exchange(new DaprRequest(Method.GET, url), logRequests);
  const values = new Map<string, string>();
  const error = failure(operation, answer);
  if (error != null) return new GetSecretResult(values, error);
  const parsed = parseObject(answer.body);
  if (parsed == null) {
    return new GetSecretResult(values, DaprError.fromAnswer(operation + " (answer is not a JSON object)", answer.status, answer.body));
  }
  const names = parsed.keys();
  for (let i = 0; i < names.length; i++) {
    const value = stringMember(parsed, names[i]);
    if (value == null) {
      return new GetSecretResult(new Map<string, string>(), DaprError.fromAnswer(operation + " (" + names[i] + " is not a string)", answer.status, answer.body));
    }
    values.set(names[i], value);
  }
  return new GetSecretResult(values, null);
}
