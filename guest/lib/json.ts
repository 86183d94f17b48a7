// json-as behind a guard: its JSON.parse aborts the module on malformed input,
// and an HTTP body is untrusted, so every parse here validates first and turns
// "not the JSON we expected" into null.
import { JSON } from "json-as";
import { validateJSON } from "json-as/assembly/util/validateJson";

export { JSON } from "json-as";

/** `text` as a JSON string literal, quotes and escapes included. */
export function jsonQuote(text: string): string {
  return JSON.stringify<string>(text);
}

export function isJson(text: string): bool {
  return validateJSON(text);
}

/** The object `text` holds, or null when it is not a JSON object. */
export function parseObject(text: string): JSON.Obj | null {
  if (!startsWithToken(text, 0x7b /* { */) || !validateJSON(text)) return null;
  return JSON.parse<JSON.Obj>(text);
}

/** The array `text` holds, or null when it is not a JSON array of objects. */
export function parseObjectArray(text: string): JSON.Obj[] | null {
  if (!startsWithToken(text, 0x5b /* [ */) || !validateJSON(text)) return null;
  const values = JSON.parse<JSON.Value[]>(text);
  const objects = new Array<JSON.Obj>();
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value.type != JSON.Types.Object) return null;
    objects.push(value.get<JSON.Obj>());
  }
  return objects;
}

/** The string `text` holds, or null when it is not a JSON string. */
export function parseString(text: string): string | null {
  if (!startsWithToken(text, 0x22 /* " */) || !validateJSON(text)) return null;
  return JSON.parse<string>(text);
}

/** A string member of `obj`, or null when it is absent or not a string. */
export function stringMember(obj: JSON.Obj, name: string): string | null {
  const value = obj.get(name);
  if (value == null || value.type != JSON.Types.String) return null;
  return value.get<string>();
}

/** A member of `obj` serialized back to JSON text, or null when absent. */
export function rawMember(obj: JSON.Obj, name: string): string | null {
  const value = obj.get(name);
  if (value == null) return null;
  return JSON.stringify(value);
}

function startsWithToken(text: string, token: i32): bool {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d) continue;
    return c == token;
  }
  return false;
}
