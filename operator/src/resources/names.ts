// Deterministic names of what the operator makes for a WasiApp, so a restarted
// operator finds its children again instead of making duplicates.
import { createHash } from 'node:crypto';
import type { WasiApp } from '../api/wasiapp.js';
import { WasiOperatorError } from '../util/errors.js';
import { DEFAULT_STORE_NAME } from './spec-defaults.js';

const DNS_LABEL_MAX = 63;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * The Job of a run: `<name>-g<generation>`, and `-r<hash>` after it for a
 * rerun asked for with the annotation value `rerun`. A spec change (new
 * generation) gets a new run, so the finished run of the old spec is never
 * mistaken for the new one. Names are kept to a DNS label: a WasiApp name
 * with dots, or one too long for the suffix, becomes
 * `<prefix>-<hash>-g<generation>`, the hash of the full name keeping two such
 * apps apart. Deterministic, so a
 * restarted operator finds the run it started instead of starting another.
 * Kept 6 characters short of a DNS label: the Job controller names its Pods
 * `<job>-<5 random>`.
 */
export function jobNameFor(app: WasiApp, rerun: string | undefined): string {
  const suffix = `-g${requireGeneration(app)}${rerun ? `-r${shortHash(rerun)}` : ''}`;
  return dnsLabelWithSuffix(requireName(app), suffix, JOB_NAME_MAX);
}

/** A rerun on demand of a scheduled app: `<name>-r<hash>`, outside the schedule's own Jobs. */
export function scheduledRerunJobNameFor(app: WasiApp, rerun: string): string {
  return dnsLabelWithSuffix(requireName(app), `-r${shortHash(rerun)}`, JOB_NAME_MAX);
}

/**
 * A scheduled app's CronJob: `<name>`. The CronJob controller appends an
 * 11-character `-<minutes>` to it for each Job, and the API server allows
 * CronJob names of 52 characters for that reason.
 */
export function cronJobNameFor(app: WasiApp): string {
  return dnsLabelWithSuffix(requireName(app), '', CRONJOB_NAME_MAX);
}

const JOB_NAME_MAX = DNS_LABEL_MAX - 6;
const CRONJOB_NAME_MAX = 52;

function dnsLabelWithSuffix(name: string, suffix: string, max = DNS_LABEL_MAX): string {
  const plain = `${name}${suffix}`;
  if (plain.length <= max && DNS_LABEL.test(plain)) return plain;
  const room = max - suffix.length - SHORT_HASH_LENGTH - 1;
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
 * WasiApp's name, and Component names are unique per namespace: two WasiApps
 * in one namespace that both keep the default store name `statestore` need
 * the same Component.
 *
 * Decision: such apps share one operator-made Component (see
 * groupStateStoreApps and buildSharedStateStoreComponent in component.ts).
 * It is a pure function of the set of apps that want that store name with the
 * same Redis settings, scoped to all their app ids, so any of them applies the
 * same object (no fight over the atomic `scopes` list); it has no owner
 * references (one per sharer outgrew etcd's limit) and the operator deletes it
 * when the last of them goes. An app that
 * wants the name with other Redis settings than the oldest one is reported as
 * StateStoreReady=False (reason ComponentConflict) instead of overwriting
 * another app's Redis settings, and so is any app whose store name is taken
 * by a Component the operator did not make (the user's own, which the app
 * uses through spec.dapr.stateStore.existingComponent instead).
 */
export function componentNameFor(app: WasiApp): string {
  return storeNameFor(app);
}

// The builders derive names and owner references from the WasiApp's identity.
// An object read from the API server always has these fields; a missing one is
// a programming error, so it fails loudly instead of yielding a manifest the
// API server would reject (or, worse, accept with an empty owner uid).
export const ERR_WASIAPP_METADATA = 'ERR_WASIAPP_METADATA';

function missing(field: string, app: WasiApp): WasiOperatorError {
  const name = app.metadata?.name ?? '(unnamed)';
  return new WasiOperatorError(
    ERR_WASIAPP_METADATA,
    `WasiApp ${name} has no ${field}; build resources from the object as read from the API server`,
  );
}

export function requireName(app: WasiApp): string {
  const name = app.metadata?.name;
  if (!name) throw missing('metadata.name', app);
  return name;
}

export function requireNamespace(app: WasiApp): string {
  const namespace = app.metadata?.namespace;
  if (!namespace) throw missing('metadata.namespace', app);
  return namespace;
}

export function requireUid(app: WasiApp): string {
  const uid = app.metadata?.uid;
  if (!uid) throw missing('metadata.uid', app);
  return uid;
}

export function requireGeneration(app: WasiApp): number {
  const generation = app.metadata?.generation;
  if (generation === undefined || !Number.isSafeInteger(generation) || generation < 0) throw missing('metadata.generation', app);
  return generation;
}

// Short hashes in names.
const SHORT_HASH_CHARS = 8;

/** 8 hex characters of SHA-256: keeps truncated names distinct and stable across restarts. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, SHORT_HASH_CHARS);
}

export const SHORT_HASH_LENGTH = SHORT_HASH_CHARS;
