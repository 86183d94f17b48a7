// wasi-host's own diagnostics: util/logger.ts's lines, on stderr (stdout is
// the guest's), each written before its call returns. The logger is made at
// the first line, not at start-up: making it loads pino, which costs more
// than starting Node, and wasi-host starts for every guest; a run that logs
// nothing (a guest that passes) never pays for it.
import type { Logger } from 'pino';
import { createLogger } from '../util/logger.js';

const STDERR = 2;

let logger: Logger | undefined;

function log(): Logger {
  return (logger ??= createLogger({ name: 'wasi-host', destination: STDERR }));
}

type Fields = Record<string, unknown>;

export const hostLog = {
  info: (fields: Fields, msg: string): void => log().info(fields, msg),
  warn: (fields: Fields, msg: string): void => log().warn(fields, msg),
  error: (fields: Fields, msg: string): void => log().error(fields, msg),
};
