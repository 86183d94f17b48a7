// How a guest run ended, as seen by whichever thread ran it. Plain data, so a
// worker can post it to the main thread.
export type GuestEnd =
  | { kind: 'exit'; code: number }
  | { kind: 'trap'; message: string }
  | { kind: 'timeout' };

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
}
