// The Jobs this operator has just created whose first Pod has not turned up
// yet. While any does, the Job controller is still working through new runs
// (in a burst of 1,000 new apps, for 10-20 s after the last Job create), and
// the event recorder holds its writes back (kube/events.ts): the API server's
// time goes to the Pods first, the reports about them after.
//
// A Job stops counting when a Pod of it is seen, or once it has waited
// longer than a routine wait (settling.ts SETTLE_LIMIT_MS): a Job the Job
// controller cannot serve (a quota, a webhook) is news, and must not hold
// every event back. Kept in memory only: after a restart nothing waits, and
// events are written at once, as before.
import type { V1Pod } from '@kubernetes/client-node';
import { JOB_NAME_LABEL } from '../resources/labels.js';

export class PodWaits {
  /** "namespace/job" → when we created it; Map order is creation order, oldest first. */
  private readonly createdAt = new Map<string, number>();

  constructor(
    private readonly limitMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  jobCreated(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    // Re-inserted, so the map stays ordered by creation time.
    this.createdAt.delete(key);
    this.createdAt.set(key, this.now());
  }

  /** A Pod the watch added: its Job's wait is over. */
  podSeen(pod: V1Pod): void {
    const job = pod.metadata?.labels?.[JOB_NAME_LABEL];
    if (job !== undefined) this.createdAt.delete(`${pod.metadata?.namespace}/${job}`);
  }

  /** How many created Jobs still wait for their first Pod, not counting waits past the limit. */
  get waiting(): number {
    const oldestKept = this.now() - this.limitMs;
    for (const [key, at] of this.createdAt) {
      if (at > oldestKept) break;
      this.createdAt.delete(key);
    }
    return this.createdAt.size;
  }
}
