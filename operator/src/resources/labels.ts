// Labels on everything the operator makes for a WasiApp (the recommended
// app.kubernetes.io set), so `kubectl get pods -l app.kubernetes.io/instance=NAME`
// finds an app's Pods and the controller can select what it manages.
import type { WasiApp } from '../api/wasiapp.js';
import { requireGeneration, requireName, SHORT_HASH_LENGTH, shortHash } from './names.js';

export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_GENERATION = 'wasi-operator.dev/generation';
/** The label the Job controller puts on each of a Job's Pods: the Job's name. */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

export const NAME_LABEL_VALUE = 'wasi-app';
export const MANAGED_BY_LABEL_VALUE = 'wasi-operator';

const LABEL_VALUE_MAX = 63;

/**
 * A WasiApp name as a label value. Object names may be 253 characters, label
 * values only 63: longer names keep a prefix plus a hash of the whole name.
 */
export function labelValueFor(name: string): string {
  if (name.length <= LABEL_VALUE_MAX) return name;
  const prefix = name.slice(0, LABEL_VALUE_MAX - SHORT_HASH_LENGTH - 1).replace(/[-._]+$/, '');
  return `${prefix}-${shortHash(name)}`;
}

export function labelsFor(app: WasiApp): Record<string, string> {
  return {
    [LABEL_NAME]: NAME_LABEL_VALUE,
    [LABEL_INSTANCE]: labelValueFor(requireName(app)),
    [LABEL_MANAGED_BY]: MANAGED_BY_LABEL_VALUE,
  };
}

/** Pod labels also carry the generation the Pod runs, so old Pods are easy to find. */
export function podLabelsFor(app: WasiApp): Record<string, string> {
  return { ...labelsFor(app), [LABEL_GENERATION]: String(requireGeneration(app)) };
}

/** Label selector for every object the operator made for `app`. */
export function selectorFor(app: WasiApp): string {
  return `${LABEL_INSTANCE}=${labelValueFor(requireName(app))},${LABEL_MANAGED_BY}=${MANAGED_BY_LABEL_VALUE}`;
}
