// One error class with a stable `code` per failure (the undici habit), so
// callers and tests branch on codes, never on message text. Every code the
// product throws is in ERROR_CATALOGUE with what a user does about it; the
// type makes a code that is not there a compile error. (The development
// harness has a catalogue of its own, dev/dev-errors.ts: it is not shipped.)

export const ERROR_CATALOGUE = {
  // The controller talking to the API server.
  ERR_KUBE_API: 'The API server refused a request; the message has its method, path and reason (RBAC: check the chart\'s ClusterRole).',
  ERR_KUBE_UNREACHABLE: 'The API server did not answer; check --kubeconfig (or the in-cluster service account) and the network to it. Retried.',
  ERR_KUBECONFIG: 'The kubeconfig names a context, cluster or user it does not hold; fix the file or pass --kubeconfig.',
  ERR_APPLY: 'A server-side apply failed or names a kind the controller does not manage; the message says which object. Retried.',
  ERR_CREATE_JOB: 'Creating a run\'s Job failed; the message has the API server\'s reason (quota, admission, RBAC). Retried.',
  ERR_READ_JOB: 'Reading a run\'s Job failed; the message has the API server\'s reason. Retried.',
  ERR_PATCH_JOB: 'Suspending or resuming a run\'s Job (spec.suspend) failed; the message has the API server\'s reason. Retried.',
  ERR_DELETE_JOB: 'Deleting an outdated run\'s Job failed; the message has the API server\'s reason. Retried.',
  ERR_DELETE_CRONJOB: 'Deleting the CronJob of a schedule that was removed failed; the message has the API server\'s reason. Retried.',
  ERR_DELETE_COMPONENT: 'Deleting the shared state store Component after its last app went failed. Retried.',
  ERR_STATUS_UPDATE: 'Writing a WasiApp\'s status failed (RBAC on wasiapps/status, or a conflict). Retried.',
  ERR_CACHE: 'A WasiApp was not in the informer cache it was read from (deleted meanwhile). Retried.',
  // What the controller refuses to do (terminal, not retried: reasons.ts TerminalErrorReason): the WasiApp
  // turns Failed with a condition and an Event; the next change to it, or the resync, looks again.
  ERR_JOB_NAME_TAKEN: 'A Job with the run\'s name exists and belongs to something else; delete or rename it, then change the WasiApp.',
  ERR_CRONJOB_NAME_TAKEN: 'A CronJob with the schedule\'s name exists and belongs to something else; delete or rename it, then change the WasiApp.',
  ERR_MODULE_SOURCE: 'spec.module names no usable source (configMap, url or image); fix the spec.',
  ERR_SHARED_COMPONENT: 'The shared state store Component could not be built from its apps\' specs; the message says which setting conflicts.',
  ERR_WASIAPP_METADATA: 'A WasiApp came without the metadata (name, namespace, uid) every resource is built from.',
  // Starting the controller.
  ERR_INVALID_FLAG: 'A controller flag has a bad value; the message names the flag (see wasi-operator controller --help).',
  ERR_LISTEN: 'The metrics or probe address cannot be listened on; pick a free --metrics-addr or --probe-addr ("0" turns one off).',
  // wasi-host, inside a WasiApp's Pod: each ends the run with exit code 2.
  ERR_HOST_USAGE: 'A wasi-host flag is missing, unknown or has a bad value (see wasi-host run --help).',
  ERR_HOST_INVALID_MODULE: 'The module is unreadable, not WebAssembly, or does not fit this host; the message says which.',
  ERR_HOST_MEMORY_LIMIT: 'The module\'s initial memory exceeds the limit; raise spec.maxMemoryMb (wasi-host --max-memory-mb).',
  ERR_HOST_SIDECAR_UNAVAILABLE: 'The Dapr sidecar never became healthy: is Dapr\'s control plane installed and the injector running?',
  ERR_HOST_SIDECAR_ENDPOINT: 'The environment names a Dapr endpoint wasi-host cannot use (DAPR_HTTP_ENDPOINT / DAPR_HTTP_PORT).',
  ERR_HOST_INTERNAL: 'Something failed inside wasi-host itself; the message and the host\'s log say what. Please report it.',
  ERR_WASI_HOST_DESTINATION_REFUSED: 'A guest asked for an origin its allow-list (spec.allowedHosts) does not hold.',
  ERR_HOST_FETCH_REDIRECT: 'The module URL redirected too often or to a scheme other than https/http.',
  ERR_HOST_FETCH_HTTP_STATUS: 'The module URL answered with a status other than 2xx.',
  ERR_HOST_FETCH_NETWORK: 'Connecting to the module URL, TLS or reading its body failed.',
  ERR_HOST_FETCH_TIMEOUT: 'Downloading the module took longer than its timeout.',
  ERR_HOST_FETCH_TOO_LARGE: 'The module at the URL is larger than the download limit.',
  ERR_HOST_FETCH_NOT_WASM: 'The module URL served something that is not WebAssembly (no \\0asm magic).',
  ERR_HOST_FETCH_SHA256_MISMATCH: 'The downloaded module\'s SHA-256 differs from spec.module.url\'s sha256; fix one of them.',
  ERR_HOST_FETCH_DESTINATION: 'The downloaded module cannot be written to its volume.',
  // wasi-operator smoke and rerun.
  ERR_SMOKE_NO_CRD: 'The cluster does not serve WasiApps: install the chart (or kubectl apply -f crds/wasiapps.wasi-operator.dev.yaml).',
  ERR_SMOKE_NO_OPERATOR: 'No operator wrote the smoke app\'s status in time: is it running, and does it watch that namespace?',
  ERR_DEMO_GUEST: 'The seed\'s guest file is missing; build the guests (npm run build:guests) or pass --module.',
  ERR_DEMO_NAMESPACE: 'A new namespace got no default ServiceAccount in time: is kube-controller-manager running?',
  ERR_DEMO_INTERRUPTED: 'The command was interrupted (Ctrl-C) while it followed a WasiApp.',
  ERR_REPO_ROOT: 'The wasi-operator package (its package.json) is not above the running code: a broken install.',
} as const satisfies Record<`ERR_${string}`, string>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** An error with a stable code; `C` is the catalogue it comes from (the product's by default). */
export class WasiOperatorError<C extends string = ErrorCode> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'WasiOperatorError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
