// Defaults the CRD cannot express (they depend on metadata or on the
// operator's configuration), applied in one place so every builder agrees.
// The CRD's own defaults (dapr.enabled, stateStore.name) are repeated here
// because an object built in memory has not been through the API server.
import type { OperatorConfig } from '../api/operator-config.js';
import type { WasiApp } from '../api/wasiapp.js';

export const DEFAULT_STORE_NAME = 'statestore';
export const DEFAULT_DAPR_LOG_LEVEL = 'info';
/** File name of the module inside an image when spec.module.path is not set. */
export const DEFAULT_IMAGE_MODULE_PATH = 'module.wasm';

export function isDaprEnabled(app: WasiApp): boolean {
  return app.spec.dapr?.enabled !== false;
}

export function daprLogLevelFor(app: WasiApp): string {
  return app.spec.dapr?.logLevel ?? DEFAULT_DAPR_LOG_LEVEL;
}

export function hostImageFor(app: WasiApp, config: OperatorConfig): string {
  return app.spec.hostImage ?? config.hostImage;
}
