// Structural comparison of JSON values (key order and undefined members do
// not count) and the RFC 7386 merge patch that turns one into the other.

type Json = unknown;

function isPlainObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function normalize(value: Json): Json {
  return value instanceof Date ? value.toISOString() : value;
}

export function deepEqual(a: Json, b: Json): boolean {
  a = normalize(a);
  b = normalize(b);
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => deepEqual(item, b[i]));
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if (!deepEqual(a[key], b[key])) return false;
  }
  return true;
}

/** A JSON merge patch that turns `from` into `to`; arrays are replaced whole, removed members become null. */
export function mergePatch(from: Json, to: Json): Json {
  if (!isPlainObject(from) || !isPlainObject(to)) return to === undefined ? null : to;
  const patch: Record<string, Json> = {};
  for (const key of new Set([...Object.keys(from), ...Object.keys(to)])) {
    const before = from[key];
    const after = to[key];
    if (deepEqual(before, after)) continue;
    if (after === undefined) patch[key] = null;
    else if (isPlainObject(before) && isPlainObject(after)) patch[key] = mergePatch(before, after);
    else patch[key] = after;
  }
  return patch;
}
