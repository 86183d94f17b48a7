// What daprd said when it failed, from its logfmt log: the first error (or
// fatal) line's msg, which names the cause (a component that failed to
// initialize, a port in use); the fatal line after it repeats it wrapped.
import { readFileSync } from 'node:fs';

const MAX_CHARS = 400;
const PROBLEM = /\blevel=(error|fatal)\b/;
const MSG = /\bmsg="((?:[^"\\]|\\.)*)"/;

/** The first error's message in daprd's log text, or undefined when it logged none. */
export function firstDaprdError(log: string): string | undefined {
  const line = log.split('\n').find((l) => PROBLEM.test(l));
  if (!line) return undefined;
  const msg = MSG.exec(line)?.[1]?.replace(/\\(.)/g, '$1') ?? line.trim();
  return msg.length > MAX_CHARS ? `${msg.slice(0, MAX_CHARS - 1)}…` : msg;
}

/** The same from the log file; undefined when it cannot be read. */
export function firstDaprdErrorIn(path: string): string | undefined {
  try {
    return firstDaprdError(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}
