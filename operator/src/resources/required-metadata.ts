// The builders derive names and owner references from the WasiApp's identity.
// An object read from the API server always has these fields; a missing one is
// a programming error, so it fails loudly instead of yielding a manifest the
// API server would reject (or, worse, accept with an empty owner uid).
import type { WasiApp } from '../api/wasiapp.js';
import { WasiOperatorError } from '../util/errors.js';

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
