// Everything `wasi-host run` was asked to do, after parsing and validation.
export interface HostOptions {
  readonly modulePath: string;
  readonly guestArgs: readonly string[];
  /** --allowed-host entries; empty means "the sidecar's origin only". */
  readonly allowedHosts: readonly string[];
  readonly maxConcurrentRequests: number;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number | undefined;
  readonly maxMemoryMb: number | undefined;
  readonly successOutput: string | undefined;
  readonly resultFile: string | undefined;
  readonly daprShutdown: boolean;
  readonly requestTimeoutSeconds: number;
  readonly maxResponseMb: number;
  readonly sidecarTimeoutSeconds: number;
  /** --invoke: call this exported function (no parameters) instead of `_start`. */
  readonly invoke: string | undefined;
  /** --dir and --dir-ro, in the order given. */
  readonly dirs: readonly import('./preopens.js').Preopen[];
}

export const DEFAULTS = {
  maxConcurrentRequests: 16,
  requestTimeoutSeconds: 30,
  maxResponseMb: 16,
  sidecarTimeoutSeconds: 60,
} as const;
