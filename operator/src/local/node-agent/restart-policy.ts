// The kubelet's restart rules for an app container that exited: restartPolicy
// Always restarts it whatever its exit code (the API server's default for a
// Pod, and the only policy a Deployment allows), OnFailure only after a
// non-zero exit, Never not at all. Restarts back off as the kubelet's crash
// loop does, scaled down by ten for a developer's machine: 1 s doubling to
// 30 s (the kubelet: 10 s to 300 s), back to 1 s after a run of a minute (the
// kubelet: ten minutes). Pure.

const BASE_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;
/** A run at least this long resets the back-off. */
export const BACKOFF_RESET_AFTER_MS = 60_000;

export function shouldRestart(restartPolicy: string | undefined, exitCode: number): boolean {
  switch (restartPolicy ?? 'Always') {
    case 'Always':
      return true;
    case 'OnFailure':
      return exitCode !== 0;
    default:
      return false;
  }
}

/** Delay before the restart that follows the `crashes`-th exit in a row (1-based). */
export function restartDelayMs(crashes: number): number {
  return Math.min(BASE_BACKOFF_MS * 2 ** Math.max(0, crashes - 1), MAX_BACKOFF_MS);
}

/** The crash count after a run of `ranMs`: a long run starts the count over. */
export function nextCrashCount(previous: number, ranMs: number): number {
  return ranMs >= BACKOFF_RESET_AFTER_MS ? 1 : previous + 1;
}
