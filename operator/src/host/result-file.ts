// Where the result goes: --result-file, else the container's termination
// message file when the kubelet provides one, else nowhere.
import { existsSync, writeFileSync } from 'node:fs';
import { hostLog } from './host-log.js';

export const TERMINATION_LOG = '/dev/termination-log';

export function resultPath(flag: string | undefined): string | undefined {
  if (flag !== undefined) return flag;
  return existsSync(TERMINATION_LOG) ? TERMINATION_LOG : undefined;
}

/** Writes the result; a failure is logged, never allowed to change the exit code. */
export function writeResult(path: string | undefined, json: string): void {
  if (path === undefined) return;
  try {
    writeFileSync(path, json);
  } catch (err) {
    hostLog.warn({ path, err }, 'cannot write result file');
  }
}
