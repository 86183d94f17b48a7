// Guest arguments. argv[0] is the module's file name (the host passes
// basename(FILE)), so a guest's own arguments start at index 1.

/** argv[index], or `fallback` when it was not given. */
export function argOr(index: i32, fallback: string): string {
  const argv = process.argv;
  return index < argv.length ? argv[index] : fallback;
}

/**
 * argv[index] as a non-negative decimal integer, `fallback` when it was not
 * given, or -1 when it was given but is not a number (the caller reports it).
 */
export function intArgOr(index: i32, fallback: i64): i64 {
  const argv = process.argv;
  if (index >= argv.length) return fallback;
  return parseDecimal(argv[index]);
}

/** A non-negative decimal integer, or -1 when `text` is not one (or too big). */
export function parseDecimal(text: string): i64 {
  if (text.length == 0 || text.length > 18) return -1;
  let value: i64 = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** An environment variable, or null when it is not set. */
export function envOr(name: string, fallback: string | null = null): string | null {
  const env = process.env;
  return env.has(name) ? env.get(name) : fallback;
}
