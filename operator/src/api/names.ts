// Stable names: tests, docs and users depend on them (see DESIGN.md "Names").
export const API_GROUP = 'wasi-operator.dev';
export const API_VERSION = 'v1alpha1';
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;
export const WASIAPP_KIND = 'WasiApp';
export const WASIAPP_PLURAL = 'wasiapps';
export const WASIAPP_SHORT_NAME = 'wasi';
export const FIELD_MANAGER = 'wasi-operator';

export const DAPR_COMPONENT_GROUP = 'dapr.io';
export const DAPR_COMPONENT_VERSION = 'v1alpha1';
export const DAPR_COMPONENT_KIND = 'Component';
export const DAPR_COMPONENT_PLURAL = 'components';

/** Name of the container that runs `wasi-host` inside every WasiApp Pod. */
export const HOST_CONTAINER_NAME = 'wasi-host';

/** Annotating a WasiApp with a new value of this starts a new run of its current generation. */
export const RERUN_ANNOTATION = 'wasi-operator.dev/rerun';
/**
 * On every Job and Pod the operator makes (directly or through its CronJob):
 * the WasiApp's name, which a label value (63 characters) cannot always hold.
 */
export const WASIAPP_ANNOTATION = 'wasi-operator.dev/wasiapp';
/** On every run's Job: Spec, Rerun or Schedule (see WasiAppRun.trigger). */
export const RUN_TRIGGER_ANNOTATION = 'wasi-operator.dev/run-trigger';
/** On the CronJob: a hash of the spec it was built from, so an unchanged one is not applied again. */
export const SPEC_HASH_ANNOTATION = 'wasi-operator.dev/spec-hash';
/**
 * wasi-host's exit code when it cannot load or run the module at all (bad
 * module, bad arguments, a module download whose digest does not match): a
 * retry cannot fix it, and a run's Job fails at once on it. Like a container
 * runtime's 125, a code guests rarely return.
 */
export const HOST_FAILURE_EXIT_CODE = 125;
