// The one way tests wait for something that happens on its own time: a real
// cluster, a child process, a socket, a promise chain. Before it, each test
// file polled with its own copy (`until`, `poll`, `eventually`), with their own
// pacing, timeouts and failure messages, some returning false on timeout and
// some throwing without saying what was awaited. This one names what it waited
// for and, if the probe threw, why, so a timeout reads as a test failure.
//
// It is for waiting on the outside world only. Time the code under test takes
// from timers (a backoff, a requeue delay, a hold) is tested on jest's fake
// timers instead, which show "not before N ms, then at N ms" without waiting.
// That is also why the poll paces itself and keeps its deadline on the real
// clock, taken when this module loads: a test that switched to fake timers
// and polls by mistake times out with its message, instead of freezing its own
// poll until jest's test timeout.

const realSetTimeout = globalThis.setTimeout;
const realNow = Date.now;

export interface EventuallyOptions {
  /** How long to keep trying; default 30 s. The probe is tried once more at the deadline. */
  timeoutMs?: number;
  /** Pause between tries; default 100 ms. */
  intervalMs?: number;
}

export const DEFAULT_EVENTUALLY_TIMEOUT_MS = 30_000;
export const DEFAULT_EVENTUALLY_INTERVAL_MS = 100;

/**
 * Calls `probe` until it returns a truthy value and resolves with that value.
 * A probe that throws counts as "not yet". After `timeoutMs` it rejects with
 * an Error naming `what` and the probe's last error, if its last try threw.
 */
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  options: EventuallyOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_EVENTUALLY_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? DEFAULT_EVENTUALLY_INTERVAL_MS;
  const deadline = realNow() + timeoutMs;
  for (;;) {
    let last: { error: unknown } | undefined;
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = { error };
    }
    const left = deadline - realNow();
    if (left <= 0) {
      const reason = last ? ` (the last probe threw: ${last.error instanceof Error ? last.error.message : String(last.error)})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`, last ? { cause: last.error } : undefined);
    }
    await new Promise((resolve) => realSetTimeout(resolve, Math.min(intervalMs, left)));
  }
}
