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
