// Container logs the way the kubelet serves them to `kubectl logs`: the
// whole log, its last N lines (tailLines), at most N bytes (limitBytes), and
// with follow, what the container writes next until it ends. The node agent
// keeps each container's stdout and stderr in one file per container, so
// these are byte ranges of that file; a restart moves the last instance's
// file aside for `--previous`.
import { open, readFile, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { WasiOperatorError } from '../../util/errors.js';

/** A container's log file in its Pod's directory; `previous`: the instance before its last restart. */
export function containerLogFile(container: string, previous = false): string {
  // Container names are DNS labels (no dots), so the two never collide.
  return previous ? `${container}.previous.log` : `${container}.log`;
}

export interface LogQuery {
  follow: boolean;
  tailLines?: number;
  limitBytes?: number;
  previous: boolean;
}

/** How often a followed log is looked at for new bytes. */
const FOLLOW_POLL_MS = 200;

function count(params: URLSearchParams, name: string, min: number): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new WasiOperatorError('ERR_NODE_AGENT_LOG_QUERY', `${name} must be an integer of at least ${min}, got "${raw}"`);
  }
  return value;
}

/** The query kubectl sends (`--follow`, `--tail`, `--limit-bytes`, `--previous`); a bad number throws ERR_NODE_AGENT_LOG_QUERY. */
export function parseLogQuery(params: URLSearchParams): LogQuery {
  const tailLines = count(params, 'tailLines', 0);
  const limitBytes = count(params, 'limitBytes', 1);
  return {
    follow: params.get('follow') === 'true',
    previous: params.get('previous') === 'true',
    ...(tailLines !== undefined && { tailLines }),
    ...(limitBytes !== undefined && { limitBytes }),
  };
}

/** The last `lines` lines of `log`; a last line without its newline counts as a line. */
export function lastLines(log: Buffer, lines: number): Buffer {
  if (lines === 0) return log.subarray(log.length);
  let end = log.length;
  if (end > 0 && log[end - 1] === 0x0a) end--;
  let seen = 0;
  for (let i = end - 1; i >= 0; i--) {
    if (log[i] === 0x0a && ++seen === lines) return log.subarray(i + 1);
  }
  return log;
}

export interface LogSink {
  write(chunk: Buffer): void;
}

export interface StreamLogOptions {
  /** Whether the container may still write: following ends once it is false and the log has no new bytes. */
  isRunning(): boolean;
  signal: AbortSignal;
}

/** Writes the log at `path` as `query` asks; with follow, resolves once the container has ended or `signal` aborts. */
export async function streamContainerLog(path: string, query: LogQuery, sink: LogSink, options: StreamLogOptions): Promise<void> {
  const initial = await readFile(path);
  let offset = initial.length;
  let budget = query.limitBytes ?? Infinity;
  const send = (chunk: Buffer) => {
    const part = chunk.length > budget ? chunk.subarray(0, budget) : chunk;
    if (part.length > 0) sink.write(part);
    budget -= part.length;
  };
  send(query.tailLines === undefined ? initial : lastLines(initial, query.tailLines));
  if (!query.follow) return;
  const file = await open(path, 'r');
  try {
    while (budget > 0 && !options.signal.aborted) {
      // Read the running flag before the size: bytes written just before the end are still sent.
      const running = options.isRunning();
      const { size } = await stat(path);
      if (size > offset) {
        const chunk = Buffer.alloc(Math.min(size - offset, 1 << 20));
        const { bytesRead } = await file.read(chunk, 0, chunk.length, offset);
        offset += bytesRead;
        send(chunk.subarray(0, bytesRead));
        continue;
      }
      if (!running) return;
      await sleep(FOLLOW_POLL_MS, undefined, { signal: options.signal }).catch(() => undefined);
    }
  } finally {
    await file.close();
  }
}
