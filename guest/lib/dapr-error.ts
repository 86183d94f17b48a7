// A failed Dapr call as a value: either the HTTP exchange itself failed
// (`http` is set, `status` is 0) or Dapr answered non-2xx with its JSON
// `{errorCode, message}`.
import { HttpError } from "./http-error";
import { parseObject, stringMember } from "./json";

// Enough of a non-JSON error body to recognise it, not enough to flood a log.
const MAX_MESSAGE_CHARS = 300;

export class DaprError {
  constructor(
    /** What the guest asked for, e.g. "save state statestore/weapon". */
    public readonly operation: string,
    public readonly status: i32,
    /** Dapr's code, e.g. "ERR_STATE_STORE_NOT_FOUND"; "" when there was none. */
    public readonly errorCode: string,
    public readonly message: string,
    public readonly http: HttpError | null = null,
  ) {}

  static fromHttp(operation: string, error: HttpError): DaprError {
    return new DaprError(operation, 0, "", error.toString(), error);
  }

  static fromAnswer(operation: string, status: i32, body: string): DaprError {
    const parsed = parseObject(body);
    if (parsed != null) {
      const code = stringMember(parsed, "errorCode");
      const message = stringMember(parsed, "message");
      if (code != null || message != null) {
        return new DaprError(operation, status, code != null ? code : "", message != null ? message : "");
      }
    }
    const text = body.length > MAX_MESSAGE_CHARS ? body.substring(0, MAX_MESSAGE_CHARS) + "..." : body;
    return new DaprError(operation, status, "", text);
  }

  /** A guest-side refusal before anything was sent (for example a value that is not JSON). */
  static invalidRequest(operation: string, message: string): DaprError {
    return new DaprError(operation, 0, "", message);
  }

  toString(): string {
    let text = this.operation + " failed: ";
    if (this.status != 0) text += "HTTP " + this.status.toString() + " ";
    if (this.errorCode.length > 0) text += this.errorCode + ": ";
    return text + this.message;
  }
}
