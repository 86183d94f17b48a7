// The Dapr state store Component a WasiApp's sidecar loads: state.redis,
// scoped to the app's id so no other app in the namespace loads it (or its
// Redis credentials). See componentNameFor for why it is named after the store.
import type { OperatorConfig } from '../api/operator-config.js';
import type { DaprComponent, DaprComponentMetadataItem } from '../api/dapr-component.js';
import { DAPR_COMPONENT_GROUP, DAPR_COMPONENT_KIND, DAPR_COMPONENT_VERSION } from '../api/names.js';
import type { WasiApp } from '../api/wasiapp.js';
import { labelsFor } from './labels.js';
import { appIdFor, componentNameFor } from './names.js';
import { ownerReferenceFor } from './owner.js';
import { requireNamespace } from './required-metadata.js';
import { isDaprEnabled } from './spec-defaults.js';

export type { DaprComponent, DaprComponentMetadataItem } from '../api/dapr-component.js';

export const REDIS_STATE_STORE_TYPE = 'state.redis';
export const REDIS_STATE_STORE_VERSION = 'v1';

/**
 * undefined when the app needs no Component from the operator: Dapr is off, or
 * spec.dapr.stateStore.existingComponent names one the user manages. Without
 * spec.dapr.stateStore.redis the operator's default Redis is used; its password
 * Secret must then exist in the app's namespace, since Dapr resolves a
 * Component's secretKeyRef in the Component's own namespace.
 */
export function buildStateStoreComponent(app: WasiApp, config: OperatorConfig): DaprComponent | undefined {
  if (!isDaprEnabled(app)) return undefined;
  const stateStore = app.spec.dapr?.stateStore;
  if (stateStore?.existingComponent) return undefined;
  const redis = stateStore?.redis ?? config.defaultRedis;

  const metadata: DaprComponentMetadataItem[] = [{ name: 'redisHost', value: redis.host }];
  if (redis.passwordSecretRef) {
    metadata.push({ name: 'redisPassword', secretKeyRef: { name: redis.passwordSecretRef.name, key: redis.passwordSecretRef.key } });
  }
  // Dapr reads metadata values as strings.
  metadata.push({ name: 'enableTLS', value: String(redis.enableTLS ?? false) });

  return {
    apiVersion: `${DAPR_COMPONENT_GROUP}/${DAPR_COMPONENT_VERSION}`,
    kind: DAPR_COMPONENT_KIND,
    metadata: {
      name: componentNameFor(app),
      namespace: requireNamespace(app),
      labels: labelsFor(app),
      ownerReferences: [ownerReferenceFor(app)],
    },
    spec: { type: REDIS_STATE_STORE_TYPE, version: REDIS_STATE_STORE_VERSION, metadata },
    scopes: [appIdFor(app)],
  };
}
