// Drives the Dapr building blocks other than state through DaprClient against a
// real sidecar: publish, output bindings, secrets and service invocation, one
// or more steps per run, each printing what it observed.
//
//   argv: dapr-building-blocks.wasm STEP [then STEP ...]
//     publish PUBSUB TOPIC DATA [CONTENT_TYPE=application/json]
//     binding NAME OPERATION [DATA]          (DATA is JSON text; absent or "-": no data)
//     secret STORE KEY
//     invoke APP_ID METHOD HTTP_METHOD [BODY [CONTENT_TYPE=application/json]]
//     Any argument `meta.NAME=VALUE` in a publish, binding or secret step is a
//     metadata entry for that call (e.g. meta.path=/hook, meta.key=k1).
//   env:  BLOCKS_ENDPOINT  use this endpoint instead of the sidecar's
//                          (DAPR_HTTP_ENDPOINT / DAPR_HTTP_PORT)
//         BLOCKS_LOG=1     print each request (`POST <url> with <body>`)
//   out:  "endpoint:<url>", then per step "key:value" lines:
//         publish:ok
//         binding:ok, binding-data:<answer>
//         secret:<name>=<value> per entry (Dapr's order), secret-count:<n>
//         invoke:ok, invoke-status:<n>, invoke-content-type:<type>, invoke-body:<answer>
//         or, when the call failed, "<step>:error:<status>:<errorCode>:<message>"
//         (status 0 when the exchange failed; then also "<step>:http-code:<n>")
//         Printed values escape \ LF CR as \\ \n \r.
//   exit: 0 every step succeeded | 1 a step failed (printed, no trap) | 2 usage error
import { DaprClient, DaprError } from "../../lib/dapr";
import { envOr } from "../../lib/args";
import { eprintln, println } from "../../lib/console";

const USAGE =
  "usage: dapr-building-blocks STEP [then STEP ...]; steps: publish PUBSUB TOPIC DATA [CONTENT_TYPE] | " +
  "binding NAME OPERATION [DATA|-] | secret STORE KEY | invoke APP_ID METHOD HTTP_METHOD [BODY [CONTENT_TYPE]]; " +
  "meta.NAME=VALUE adds metadata";
const META_PREFIX = "meta.";

function escaped(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll("\r", "\\r");
}

function fact(name: string, value: string): void {
  println(name + ":" + escaped(value));
}

/** Prints the failure and says whether there was one. */
function failed(step: string, error: DaprError | null): bool {
  if (error == null) return false;
  println(step + ":error:" + error.status.toString() + ":" + error.errorCode + ":" + escaped(error.message));
  const http = error.http;
  if (http != null) println(step + ":http-code:" + http.code.toString());
  return true;
}

class Step {
  positional: string[] = [];
  metadata: Map<string, string> | null = null;

  constructor(public readonly name: string) {}

  arg(index: i32, fallback: string | null = null): string | null {
    return index < this.positional.length ? this.positional[index] : fallback;
  }
}

/** Splits argv[1..] at "then" into steps, taking meta.NAME=VALUE out of the positional arguments. */
function parseSteps(argv: string[]): Step[] | null {
  const steps = new Array<Step>();
  let current: Step | null = null;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (arg == "then") {
      if (current == null) return null;
      current = null;
      continue;
    }
    if (current == null) {
      current = new Step(arg);
      steps.push(current);
      continue;
    }
    const step: Step = current;
    const equals = arg.indexOf("=");
    if (arg.startsWith(META_PREFIX) && equals > META_PREFIX.length) {
      let metadata = step.metadata;
      if (metadata == null) {
        metadata = new Map<string, string>();
        step.metadata = metadata;
      }
      metadata.set(arg.substring(META_PREFIX.length, equals), arg.substring(equals + 1));
    } else {
      step.positional.push(arg);
    }
  }
  return steps.length > 0 && current != null ? steps : null;
}

function usage(detail: string): void {
  eprintln(detail);
  eprintln(USAGE);
  process.exit(2);
}

/** Runs one step; false when Dapr or the exchange failed. */
function run(dapr: DaprClient, step: Step): bool {
  const a0 = step.arg(0);
  const a1 = step.arg(1);
  const a2 = step.arg(2);
  if (step.name == "publish") {
    if (a0 == null || a1 == null || a2 == null) usage("publish needs PUBSUB TOPIC DATA");
    const contentType = step.arg(3, "application/json")!;
    if (failed("publish", dapr.publish(a0!, a1!, a2!, contentType, step.metadata))) return false;
    fact("publish", "ok");
    return true;
  }
  if (step.name == "binding") {
    if (a0 == null || a1 == null) usage("binding needs NAME OPERATION");
    const data = a2 != null && a2 != "-" ? a2 : null;
    const result = dapr.invokeBinding(a0!, a1!, data, step.metadata);
    if (failed("binding", result.error)) return false;
    fact("binding", "ok");
    fact("binding-data", result.data);
    return true;
  }
  if (step.name == "secret") {
    if (a0 == null || a1 == null) usage("secret needs STORE KEY");
    const result = dapr.getSecret(a0!, a1!, step.metadata);
    if (failed("secret", result.error)) return false;
    const names = result.values.keys();
    for (let i = 0; i < names.length; i++) fact("secret", names[i] + "=" + result.values.get(names[i]));
    fact("secret-count", names.length.toString());
    return true;
  }
  if (step.name == "invoke") {
    if (a0 == null || a1 == null || a2 == null) usage("invoke needs APP_ID METHOD HTTP_METHOD");
    const body = step.arg(3);
    const contentType = step.arg(4, "application/json")!;
    const result = dapr.invokeMethod(a0!, a1!, a2!, body, contentType);
    fact("invoke-status", result.status.toString());
    if (failed("invoke", result.error)) return false;
    fact("invoke", "ok");
    const type = result.contentType;
    if (type != null) fact("invoke-content-type", type);
    fact("invoke-body", result.body);
    return true;
  }
  usage("unknown step " + step.name);
  return false;
}

function main(): void {
  const steps = parseSteps(process.argv);
  if (steps == null) {
    usage("no step given, or a `then` without a step after it");
    return;
  }
  const chosen = envOr("BLOCKS_ENDPOINT");
  const dapr = chosen != null && chosen.length > 0 ? new DaprClient(chosen) : new DaprClient();
  const log = envOr("BLOCKS_LOG");
  dapr.logRequests = log != null && log == "1";
  fact("endpoint", dapr.endpoint);
  let failures = 0;
  for (let i = 0; i < steps.length; i++) {
    if (!run(dapr, steps[i])) failures++;
  }
  process.exit(failures == 0 ? 0 : 1);
}

main();
