// The host's own failures, one stable code each. Every one of them ends the
// run with exit code 2 and a message that says what to fix.
import { WasiOperatorError, type ErrorCode } from '../util/errors.js';

export const HostErrorCode = {
  /** A flag is missing, unknown or has a bad value. */
  Usage: 'ERR_HOST_USAGE',
  /** The module file is unreadable, not WebAssembly, or does not fit this host. */
  InvalidModule: 'ERR_HOST_INVALID_MODULE',
  /** The module's initial memory already exceeds --max-memory-mb. */
  MemoryLimit: 'ERR_HOST_MEMORY_LIMIT',
  /** The Dapr sidecar never answered its outbound health check. */
  SidecarUnavailable: 'ERR_HOST_SIDECAR_UNAVAILABLE',
  /** The environment names a sidecar endpoint we cannot use. */
  SidecarEndpoint: 'ERR_HOST_SIDECAR_ENDPOINT',
  /** Anything else that went wrong inside the host itself. */
  Internal: 'ERR_HOST_INTERNAL',
} as const satisfies Record<string, ErrorCode>;

export type HostErrorCode = (typeof HostErrorCode)[keyof typeof HostErrorCode];

export class HostError extends WasiOperatorError {
  declare readonly code: HostErrorCode;

  constructor(code: HostErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'HostError';
  }
}

export function usageError(message: string): HostError {
  return new HostError(HostErrorCode.Usage, message);
}
