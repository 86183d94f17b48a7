// Turns how a guest ended into the host's exit code and the result's
// `passed` and `reason`. Pure, so every rule has a table test.
import { HOST_FAILURE_EXIT_CODE } from '../api/names.js';
import { ResultReason } from '../api/host-result.js';
import type { GuestEnd } from './guest-outcome.js';

export const EXIT_TRAP = 1;
/** A guest that exited 0 but did not pass (no success output): the run failed, so the process does too. */
export const EXIT_NOT_PASSED = 1;
/**
 * Something around the guest that a retry may fix (the sidecar did not come
 * up, a module download failed on the network): the run's Job retries it
 * within spec.retries.
 */
export const EXIT_RETRYABLE_HOST_FAILURE = 2;
/** The host cannot load or run the module: a run's Job fails at once on it (see resources/job.ts). */
export const EXIT_HOST_FAILURE = HOST_FAILURE_EXIT_CODE;
export const EXIT_TIMEOUT = 124;

export interface Verdict {
  readonly exitCode: number;
  readonly passed: boolean;
  readonly reason: ResultReason | null;
}

export interface VerdictInput {
  readonly end: GuestEnd;
  readonly memoryBytes: number;
  readonly memoryCapBytes: number | undefined;
  readonly successOutput: string | undefined;
  readonly successSeen: boolean;
  /** The guest met a failure of the Dapr state store during the run (state-store-failure.ts). */
  readonly stateStoreFailed?: boolean;
}

/**
 * The engine does not say when `memory.grow` failed, so a failed guest is
 * blamed on --max-memory-mb when its memory ended above half the cap: any
 * growth request it could not satisfy was then at most the size it already
 * had, which is how allocators grow (AssemblyScript asks to double first).
 * A single allocation larger than half the cap, made early, is reported as
 * the trap or exit code it caused instead.
 */
function nearMemoryCap(input: VerdictInput): boolean {
  return input.memoryCapBytes !== undefined && input.memoryBytes * 2 > input.memoryCapBytes;
}

/** A process exit status is one byte; larger WASI exit codes would wrap (256 → 0), so they become 1. */
export function processExitCode(guestCode: number): number {
  return guestCode >= 0 && guestCode <= 255 ? guestCode : 1;
}

/**
 * A failed guest that met a state store failure is blamed on the store: the
 * guest's own exit, trap, missing success output or timeout is how it
 * reacted. The exit code stays what the guest's end gives. A module the host
 * could not run, or a guest at its memory cap, says more than the store.
 */
const BLAMED_ON_STATE_STORE: ReadonlySet<ResultReason> = new Set([ResultReason.ExitCode, ResultReason.Trap, ResultReason.SuccessOutputMissing, ResultReason.Timeout]);

export function verdictOf(input: VerdictInput): Verdict {
  const verdict = guestVerdict(input);
  if (input.stateStoreFailed && verdict.reason !== null && BLAMED_ON_STATE_STORE.has(verdict.reason)) {
    return { ...verdict, reason: ResultReason.StateStoreUnavailable };
  }
  return verdict;
}

function guestVerdict(input: VerdictInput): Verdict {
  const { end } = input;
  switch (end.kind) {
    case 'timeout':
      return { exitCode: EXIT_TIMEOUT, passed: false, reason: ResultReason.Timeout };
    case 'unrunnable':
      return { exitCode: EXIT_HOST_FAILURE, passed: false, reason: ResultReason.InvalidModule };
    case 'trap':
      return { exitCode: EXIT_TRAP, passed: false, reason: nearMemoryCap(input) ? ResultReason.MemoryLimit : ResultReason.Trap };
    case 'exit': {
      const exitCode = processExitCode(end.code);
      if (exitCode !== 0) {
        return { exitCode, passed: false, reason: nearMemoryCap(input) ? ResultReason.MemoryLimit : ResultReason.ExitCode };
      }
      if (input.successOutput !== undefined && !input.successSeen) {
        return { exitCode: EXIT_NOT_PASSED, passed: false, reason: ResultReason.SuccessOutputMissing };
      }
      return { exitCode, passed: true, reason: null };
    }
  }
}
