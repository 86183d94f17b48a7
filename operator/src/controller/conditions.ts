// Conditions after the API conventions: lastTransitionTime moves only when
// the status flips, every condition carries the generation it describes.
import type { Condition, ConditionStatus } from '../api/wasiapp.js';

export const CONDITION_STATE_STORE_READY = 'StateStoreReady';
export const CONDITION_READY = 'Ready';
export const CONDITION_SUCCEEDED = 'Succeeded';
/** Present (False) only while reconciles of the app keep failing; see Reconciler.reportFailure. */
export const CONDITION_RECONCILED = 'Reconciled';

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** Kubernetes timestamps: RFC 3339 in UTC, whole seconds. */
export function kubeTime(value: Date | string | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return undefined;
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function nextCondition(
  previous: readonly Condition[] | undefined,
  input: ConditionInput,
  observedGeneration: number | undefined,
  now: Date,
): Condition {
  const old = findCondition(previous, input.type);
  const lastTransitionTime =
    old && old.status === input.status && old.lastTransitionTime ? old.lastTransitionTime : (kubeTime(now) as string);
  const condition: Condition = { ...input, lastTransitionTime };
  if (observedGeneration !== undefined) condition.observedGeneration = observedGeneration;
  return condition;
}
