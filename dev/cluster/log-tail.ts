import { existsSync, readFileSync } from 'node:fs';

/** The last `lines` lines of a log file, for start-failure messages. */
export function tailOf(path: string, lines = 25): string {
  if (!existsSync(path)) return '(no log written)';
  const all = readFileSync(path, 'utf8').trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}
