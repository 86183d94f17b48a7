// The host's own diagnostics: one JSON object per line on stderr, in pino's
// line format (level numbers, `time`, `name`, `msg`), so the Pod's log tools
// read them like the operator's. Not pino itself: loading pino costs more
// than starting Node (tens of ms), and `wasi-host` start-up is on every
// guest's path. Written synchronously so lines stay ordered with the guest's.
import { writeSync } from 'node:fs';

const LEVELS = { info: 30, warn: 40, error: 50 } as const;
type Level = keyof typeof LEVELS;

function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  return { type: err.name, message: err.message, ...(code === undefined ? {} : { code }) };
}

function write(level: Level, fields: Record<string, unknown>, msg: string): void {
  const record: Record<string, unknown> = { level: LEVELS[level], time: Date.now(), name: 'wasi-host' };
  for (const [key, value] of Object.entries(fields)) record[key] = key === 'err' ? serializeError(value) : value;
  record.msg = msg;
  try {
    writeSync(2, `${JSON.stringify(record)}\n`);
  } catch {
    // stderr is gone; there is nobody left to tell.
  }
}

export const hostLog = {
  info: (fields: Record<string, unknown>, msg: string) => write('info', fields, msg),
  warn: (fields: Record<string, unknown>, msg: string) => write('warn', fields, msg),
  error: (fields: Record<string, unknown>, msg: string) => write('error', fields, msg),
};
