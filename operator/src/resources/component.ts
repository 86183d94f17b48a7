// The Dapr state store Component that WasiApps' sidecars load: state.redis,
// named after the store (see componentNameFor), shared by every app in the
// namespace that asks for that store name with the same Redis settings, and
// (by default) scoped to exactly those apps' ids so no other app loads it (or
// its Redis credentials).
//
// It has no owner references: one per sharer made it grow by about 170 bytes
// per app until etcd refused it (1.5 MiB, about 7,000 apps), after which no
// sharer's reconcile could apply it. The operator deletes it itself once no
// WasiApp wants it (the reconciler's store sweep, which also runs for every
// Component the operator finds on start). Its scopes grow by one app id per
// sharer up to --state-store-max-scopes; with --state-store-scopes=none it
// stays the same size for any number of sharers.
import { DEFAULT_STATE_STORE_MAX_SCOPES, type OperatorConfig } from '../api/operator-config.js';
import type { DaprComponent, DaprComponentMetadataItem, DaprComponentSpec } from '../api/dapr-component.js';
import { API_GROUP, DAPR_COMPONENT_GROUP, DAPR_COMPONENT_KIND, DAPR_COMPONENT_VERSION, WASIAPP_KIND } from '../api/names.js';
import type { WasiApp } from '../api/wasiapp.js';
import { WasiOperatorError } from '../util/errors.js';
import { LABEL_INSTANCE, LABEL_MANAGED_BY, LABEL_NAME, MANAGED_BY_LABEL_VALUE, NAME_LABEL_VALUE, labelValueFor } from './labels.js';
import { appIdFor, componentNameFor, requireName, requireNamespace, requireUid } from './names.js';
import { isDaprEnabled } from './spec-defaults.js';

export type { DaprComponent, DaprComponentMetadataItem } from '../api/dapr-component.js';

export const REDIS_STATE_STORE_TYPE = 'state.redis';
export const REDIS_STATE_STORE_VERSION = 'v1';

export const ERR_SHARED_COMPONENT = 'ERR_SHARED_COMPONENT';

/**
 * Whether the operator makes (or shares) a Component for the app: Dapr is on,
 * spec.dapr.stateStore.existingComponent names none the user manages, and the
 * app is not being deleted (a deleted app leaves its group at once; the
 * garbage collector drops its owner reference).
 */
export function wantsOperatorComponent(app: WasiApp): boolean {
  return isDaprEnabled(app) && !app.spec.dapr?.stateStore?.existingComponent && !app.metadata?.deletionTimestamp;
}

/**
 * The Component spec the app asks for. Without spec.dapr.stateStore.redis the
 * operator's default Redis is used; its password Secret must then exist in the
 * app's namespace, since Dapr resolves a Component's secretKeyRef in the
 * Component's own namespace.
 */
export function stateStoreSpecFor(app: WasiApp, config: OperatorConfig): DaprComponentSpec {
  const redis = app.spec.dapr?.stateStore?.redis ?? config.defaultRedis;
  const metadata: DaprComponentMetadataItem[] = [{ name: 'redisHost', value: redis.host }];
  if (redis.passwordSecretRef) {
    metadata.push({ name: 'redisPassword', secretKeyRef: { name: redis.passwordSecretRef.name, key: redis.passwordSecretRef.key } });
  }
  // Dapr reads metadata values as strings.
  metadata.push({ name: 'enableTLS', value: String(redis.enableTLS ?? false) });
  return { type: REDIS_STATE_STORE_TYPE, version: REDIS_STATE_STORE_VERSION, metadata };
}

// Parsed once per object: informer caches replace an object on change, and
// every reconcile of a large group sorts all of its apps.
const parsedCreation = new WeakMap<WasiApp, number>();

function creationMillis(app: WasiApp): number {
  const known = parsedCreation.get(app);
  if (known !== undefined) return known;
  const created = app.metadata?.creationTimestamp as Date | string | undefined;
  const parsed = created === undefined ? Number.NaN : created instanceof Date ? created.getTime() : Date.parse(created);
  const millis = Number.isNaN(parsed) ? Number.POSITIVE_INFINITY : parsed;
  parsedCreation.set(app, millis);
  return millis;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Oldest first (creationTimestamp, then name, then uid): the order that picks a group's winner. */
export function compareByAge(a: WasiApp, b: WasiApp): number {
  return (
    creationMillis(a) - creationMillis(b) ||
    compareStrings(requireName(a), requireName(b)) ||
    compareStrings(requireUid(a), requireUid(b))
  );
}

/** `apps` oldest first; each sort key computed once, as groups may hold thousands of apps. */
function sortByAge(apps: readonly WasiApp[]): WasiApp[] {
  return apps
    .map((app) => ({ app, millis: creationMillis(app), name: requireName(app), uid: requireUid(app) }))
    .sort((a, b) => a.millis - b.millis || compareStrings(a.name, b.name) || compareStrings(a.uid, b.uid))
    .map(({ app }) => app);
}

/**
 * Equal exactly when stateStoreSpecFor gives equal specs (type and version
 * are fixed), without building them: cheap enough to compare every app of a
 * large group on every reconcile.
 */
function redisSettingsKey(redis: OperatorConfig['defaultRedis']): string {
  const secret = redis.passwordSecretRef;
  return JSON.stringify([redis.host, secret?.name ?? null, secret?.key ?? null, redis.enableTLS === true]);
}

export interface StateStoreGroup {
  /** Oldest first; sharers[0] is the winner, whose settings the Component carries. */
  sharers: WasiApp[];
  /** Apps that want the same store name with other Redis settings than the winner; they get no Component. */
  conflicting: WasiApp[];
  /** Apps with the winner's settings past --state-store-max-scopes (scopes `sharers` only), newest last: not listed. */
  overflow: WasiApp[];
}

/** Whether the Component lists its sharers' app ids (the default), and how many at most. */
export function scopeLimitOf(config: OperatorConfig): number {
  return config.stateStoreScopes === 'none' ? Number.POSITIVE_INFINITY : (config.stateStoreMaxScopes ?? DEFAULT_STATE_STORE_MAX_SCOPES);
}

/**
 * Who shares the Component `storeName`: of `apps` (one namespace's WasiApps),
 * those that want an operator-made Component of that name. The oldest wins;
 * the apps asking for the winner's settings share with it, the others conflict.
 * A pure function of the set, so every member's reconcile computes the same.
 */
export function groupStateStoreApps(apps: readonly WasiApp[], storeName: string, config: OperatorConfig): StateStoreGroup {
  const candidates = sortByAge(apps.filter((app) => wantsOperatorComponent(app) && componentNameFor(app) === storeName));
  const winner = candidates[0];
  if (!winner) return { sharers: [], conflicting: [], overflow: [] };
  const defaultSettings = redisSettingsKey(config.defaultRedis);
  const settingsOf = (app: WasiApp): string => {
    const redis = app.spec.dapr?.stateStore?.redis;
    return redis ? redisSettingsKey(redis) : defaultSettings;
  };
  const settings = settingsOf(winner);
  const limit = scopeLimitOf(config);
  const sharers: WasiApp[] = [];
  const conflicting: WasiApp[] = [];
  const overflow: WasiApp[] = [];
  for (const app of candidates) {
    if (settingsOf(app) !== settings) conflicting.push(app);
    else (sharers.length < limit ? sharers : overflow).push(app);
  }
  return { sharers, conflicting, overflow };
}

/**
 * The one Component for a group of sharers (see groupStateStoreApps): the
 * oldest sharer's settings, labels naming the store, no owner references, and
 * scoped to all their app ids unless the operator runs with
 * --state-store-scopes=none. Lists are sorted, so whichever sharer applies it
 * applies the same object.
 */
export function buildSharedStateStoreComponent(sharers: readonly WasiApp[], config: OperatorConfig): DaprComponent {
  const [winner, ...others] = sortByAge(sharers);
  if (!winner) throw new WasiOperatorError(ERR_SHARED_COMPONENT, 'a shared state store Component needs at least one WasiApp');
  const namespace = requireNamespace(winner);
  const name = componentNameFor(winner);
  for (const app of others) {
    if (requireNamespace(app) !== namespace || componentNameFor(app) !== name) {
      throw new WasiOperatorError(
        ERR_SHARED_COMPONENT,
        `WasiApp ${namespace}/${requireName(winner)} and ${requireNamespace(app)}/${requireName(app)} cannot share a Component: other namespace or store name`,
      );
    }
  }
  const labels = { [LABEL_NAME]: NAME_LABEL_VALUE, [LABEL_INSTANCE]: labelValueFor(name), [LABEL_MANAGED_BY]: MANAGED_BY_LABEL_VALUE };
  const component: DaprComponent = {
    apiVersion: `${DAPR_COMPONENT_GROUP}/${DAPR_COMPONENT_VERSION}`,
    kind: DAPR_COMPONENT_KIND,
    metadata: { name, namespace, labels },
    spec: stateStoreSpecFor(winner, config),
  };
  if (config.stateStoreScopes !== 'none') component.scopes = [...new Set([winner, ...others].map(appIdFor))].sort(compareStrings);
  return component;
}

/** An owner reference to a WasiApp (controller or not). */
export function isWasiAppRef(ref: { kind: string; apiVersion: string }): boolean {
  return ref.kind === WASIAPP_KIND && ref.apiVersion.startsWith(`${API_GROUP}/`);
}

/** Made by the operator: labelled so, or (made before 0.2) owned by WasiApps. */
export function isOperatorComponent(component: { metadata?: { labels?: Record<string, string>; ownerReferences?: Array<{ kind: string; apiVersion: string }> } }): boolean {
  if (component.metadata?.labels?.[LABEL_MANAGED_BY] === MANAGED_BY_LABEL_VALUE) return true;
  return (component.metadata?.ownerReferences ?? []).some(isWasiAppRef);
}

/**
 * The Component for the app alone (a group of one); undefined when it needs
 * none from the operator: Dapr is off, or spec.dapr.stateStore.existingComponent
 * names one the user manages.
 */
export function buildStateStoreComponent(app: WasiApp, config: OperatorConfig): DaprComponent | undefined {
  if (!isDaprEnabled(app) || app.spec.dapr?.stateStore?.existingComponent) return undefined;
  return buildSharedStateStoreComponent([app], config);
}

function describeSetting(item: DaprComponentMetadataItem | undefined): string {
  if (!item) return 'unset';
  if (item.secretKeyRef) return `secret ${item.secretKeyRef.name} key ${item.secretKeyRef.key}`;
  return JSON.stringify(item.value);
}

/**
 * What `app` asks for that `winner`'s Component does not have, for a user to
 * read: `redisHost "a:6379" (this app: "b:6379")`, one entry per setting.
 */
export function describeStateStoreDifference(app: WasiApp, winner: WasiApp, config: OperatorConfig): string {
  const mine = stateStoreSpecFor(app, config);
  const theirs = stateStoreSpecFor(winner, config);
  const differences: string[] = [];
  if (mine.type !== theirs.type || mine.version !== theirs.version) {
    differences.push(`type ${theirs.type}/${theirs.version} (this app: ${mine.type}/${mine.version})`);
  }
  const names = [...new Set([...theirs.metadata, ...mine.metadata].map((item) => item.name))];
  for (const name of names) {
    const have = theirs.metadata.find((item) => item.name === name);
    const want = mine.metadata.find((item) => item.name === name);
    if (JSON.stringify(have) !== JSON.stringify(want)) differences.push(`${name} ${describeSetting(have)} (this app: ${describeSetting(want)})`);
  }
  return differences.join(', ');
}
