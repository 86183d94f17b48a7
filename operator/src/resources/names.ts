// Deterministic names of what the operator makes for a WasiApp, so a restarted
// operator finds its children again instead of making duplicates.
import type { WasiApp } from '../api/wasiapp.js';
import { requireGeneration, requireName } from './required-metadata.js';
import { SHORT_HASH_LENGTH, shortHash } from './short-hash.js';
import { DEFAULT_STORE_NAME } from './spec-defaults.js';

const DNS_LABEL_MAX = 63;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * `<name>-g<generation>`: a spec change (new generation) gets a new Pod, so the
 * finished Pod of the old spec is never mistaken for the new one. Pod names are
 * kept to a DNS label (the Pod's hostname is its name): a WasiApp name with
 * dots, or one too long for the suffix, becomes `<prefix>-<hash>-g<generation>`,
 * the hash of the full name keeping two such apps apart.
 */
export function podNameFor(app: WasiApp): string {
  const name = requireName(app);
  const suffix = `-g${requireGeneration(app)}`;
  const plain = `${name}${suffix}`;
  if (plain.length <= DNS_LABEL_MAX && DNS_LABEL.test(plain)) return plain;
  const room = DNS_LABEL_MAX - suffix.length - SHORT_HASH_LENGTH - 1;
  const prefix = name
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, room)
    .replace(/-+$/, '');
  return `${prefix ? `${prefix}-` : ''}${shortHash(name)}${suffix}`;
}

/** Dapr app id: spec.dapr.appId, else metadata.name (the CRD rejects names that are not valid app ids then). */
export function appIdFor(app: WasiApp): string {
  return app.spec.dapr?.appId ?? requireName(app);
}

/**
 * The name the guest's state requests use (`/v1.0/state/{store}`). Dapr
 * addresses a state store by its Component's metadata.name and has no aliases,
 * so with `existingComponent` that Component's name is the store name.
 */
export function storeNameFor(app: WasiApp): string {
  const stateStore = app.spec.dapr?.stateStore;
  return stateStore?.existingComponent ?? stateStore?.name ?? DEFAULT_STORE_NAME;
}

/**
 * The Dapr Component the app's sidecar loads as its state store. It must be
 * named exactly the store name (see storeNameFor), so it cannot carry the
 * WasiApp's name, and Component names are unique per namespace.
 *
 * Decision: every WasiApp that needs a Component owns one (controller owner
 * reference) named after its store, scoped to its own app id. Two WasiApps in
 * one namespace that both want a store called `statestore` therefore collide:
 * the first one's Component stands, and the reconciler reports the second as
 * StateStoreReady=False (reason ComponentConflict, see isControlledBy in
 * owner.ts) instead of overwriting another app's Redis settings or scopes.
 * The user resolves it with another spec.dapr.stateStore.name, another
 * namespace, or one Component they manage themselves, scoped to both app ids,
 * named in both apps' spec.dapr.stateStore.existingComponent.
 * Sharing one operator-made Component between apps was rejected: the apps may
 * name different Redis servers, `scopes` is an atomic list that two appliers
 * would fight over, and deleting one app must not take the other's store away.
 */
export function componentNameFor(app: WasiApp): string {
  return storeNameFor(app);
}
