// A terminated container's message, with the kubelet's rules: the message
// file, at most 4096 bytes; under FallbackToLogsOnError, when the file is
// empty and the container failed, the log's last 80 lines or 2048 bytes,
// whichever is smaller.
import { existsSync, readFileSync } from 'node:fs';

const MAX_MESSAGE_BYTES = 4096;
const MAX_LOG_BYTES = 2048;
const MAX_LOG_LINES = 80;

function readIfExists(path: string): Buffer {
  return existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
}

export function logTail(log: Buffer): string {
  const lines = log.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const tail = Buffer.from(lines.slice(-MAX_LOG_LINES).join('\n'));
  return tail.subarray(Math.max(0, tail.length - MAX_LOG_BYTES)).toString('utf8');
}

export function terminationMessage(messageFile: string, logFile: string, policy: string | undefined, exitCode: number): string {
  const message = readIfExists(messageFile).subarray(0, MAX_MESSAGE_BYTES).toString('utf8');
  if (message !== '' || policy !== 'FallbackToLogsOnError' || exitCode === 0) return message;
  return logTail(readIfExists(logFile));
}
