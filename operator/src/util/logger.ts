// The one logger factory of every product component (the controller, wasi-host),
// so their lines read alike: one JSON object per line, `level` as its label
// ("info"), `time` in ISO 8601, `pid`, `name` (the component), the caller's
// fields, `msg`; an error under `err` by pino's standard serializer (type,
// message and stack with those of its causes, and its own fields such as `code`).
//
// pino is loaded when the first logger is made, not when this module is:
// loading it costs more than starting Node (about 20 ms), and wasi-host, which
// starts for every guest, makes its logger only once it has something to say
// (host/host-log.ts). `require` is what loads it synchronously, so that first
// line is still written before its call returns.
import { createRequire } from 'node:module';
import type { DestinationStream, Logger, pino as Pino } from 'pino';

/** The levels a logger can be set to, least severe first; `silent` writes nothing. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  /** The component, written as `name` on every line: wasi-operator, wasi-host. */
  name: string;
  /** The least severe level written; default info. */
  level?: LogLevel;
  /**
   * A file descriptor, written synchronously (default 1, stdout), or a
   * stream of one's own (tests).
   */
  destination?: number | DestinationStream;
}

const requireModule = createRequire(import.meta.url);
let loadedPino: typeof Pino | undefined;

function loadPino(): typeof Pino {
  return (loadedPino ??= (requireModule('pino') as { pino: typeof Pino }).pino);
}

/**
 * Each line is out before the call returns: none is lost when the process
 * ends at once (wasi-host ends with its guest), and the lines stay in order
 * with the guest's output on the same descriptor. A descriptor that fails
 * (its reader went away) makes pino drop lines rather than throw into the
 * code that logs: there is nobody left to tell.
 */
function synchronousDestination(pino: typeof Pino, fd: number): DestinationStream {
  const stream = pino.destination({ fd, sync: true });
  stream.on('error', () => {});
  return stream;
}

export function createLogger({ name, level = 'info', destination = 1 }: LoggerOptions): Logger {
  const pino = loadPino();
  return pino(
    {
      name,
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err },
    },
    typeof destination === 'number' ? synchronousDestination(pino, destination) : destination,
  );
}
