// The result wasi-host leaves in its container's termination message and the
// operator reads back into `status.result`: one contract for both sides. The
// host renders a HostResult (host/result.ts); the operator parses the message
// as untrusted text (controller/termination-message.ts), since a log tail or
// a hand-written message may stand in its place.
import type { WasiAppDaprError } from './wasiapp.js';

/** Why a run failed, as the host saw it; null when the guest passed. */
export const ResultReason = {
  Trap: 'Trap',
  Timeout: 'Timeout',
  MemoryLimit: 'MemoryLimit',
  ExitCode: 'ExitCode',
  SuccessOutputMissing: 'SuccessOutputMissing',
  SidecarUnavailable: 'SidecarUnavailable',
  InvalidModule: 'InvalidModule',
  /** The guest failed after the Dapr state API failed it (the store behind the sidecar: Redis down, unreachable, too slow). */
  StateStoreUnavailable: 'StateStoreUnavailable',
} as const;

export type ResultReason = (typeof ResultReason)[keyof typeof ResultReason];

/** The state API's last failure, with reason StateStoreUnavailable (`status.result.daprError`). */
export type HostDaprError = Readonly<WasiAppDaprError>;

/** The termination message's JSON, at most 4096 bytes (the kubelet's limit). */
export interface HostResult {
  readonly exitCode: number;
  readonly passed: boolean;
  readonly reason: ResultReason | null;
  readonly daprError?: HostDaprError;
  /** The longest tail of the guest's stdout and stderr that fits. */
  readonly output: string;
  readonly compileMillis: number;
  readonly instantiateMillis: number;
  readonly runMillis: number;
}
