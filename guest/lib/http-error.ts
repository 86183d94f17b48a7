// A failed ABI call as a value: guests decide what to do with it instead of
// the library aborting the whole module (the original client aborted on any
// non-zero code).
import { httpErrorName } from "./http-abi";

export class HttpError {
  constructor(
    public readonly code: i32,
    /** What was being attempted, e.g. "GET http://127.0.0.1:3500/v1.0/healthz". */
    public readonly context: string = "",
  ) {}

  /** The ABI's name for the code, e.g. 7 → "DestinationNotAllowed". */
  get name(): string {
    return httpErrorName(this.code);
  }

  toString(): string {
    const what = this.name + " (" + this.code.toString() + ")";
    return this.context.length > 0 ? what + " in " + this.context : what;
  }
}
