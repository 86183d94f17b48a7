// How a guest run ended, as seen by whichever thread ran it. Plain data, so a
// worker can post it to the main thread.
export type GuestEnd =
  | { kind: 'exit'; code: number }
  | { kind: 'trap'; message: string }
  | { kind: 'timeout' }
  /** The host could not call the entry point (an --invoke function that wants parameters). */
  | { kind: 'unrunnable'; message: string };

export interface GuestOutcome {
  readonly end: GuestEnd;
  readonly instantiateMillis: number;
  readonly runMillis: number;
  /** Size of the guest's memory when it ended (0 if unknown). */
  readonly memoryBytes: number;
}

/** What the guest runner needs besides the module; structured-cloneable. */
export interface GuestRunSpec {
  readonly args: string[];
  readonly env: Record<string, string>;
  readonly allowedHosts: string[];
  readonly maxOpenResponses: number;
  readonly requestTimeoutMs: number;
  readonly maxResponseBytes: number;
  readonly capture: import('./output-capture.js').OutputCaptureState;
  /** The exported function to call: `_start`, or the --invoke name. */
  readonly entry: string;
  /** --invoke: the function's i32 result, if any, is the exit code. */
  readonly invoked: boolean;
  /** --dir and --dir-ro. */
  readonly dirs: readonly import('./preopens.js').Preopen[];
  /** With a sidecar: its origins, whose state API failures are recorded for the result (state-store-failure.ts). */
  readonly stateStore?: {
    readonly sidecarOrigins: readonly string[];
    readonly failures: import('./state-store-failure.js').DaprErrorState;
  };
}
