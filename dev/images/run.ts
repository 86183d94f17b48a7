// Runs the image tools (debootstrap, buildah, skopeo, gcc, tar, npm) with
// their output kept for the error message and, where a step is long, passed
// on as progress.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { DevError, type DevErrorCode } from '../dev-errors.js';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Every line of stdout and stderr as it comes (for progress). */
  onLine?: (line: string) => void;
  /** The stable code of the error thrown when the command fails. */
  errorCode?: DevErrorCode;
  /** Lines of output kept for the error message. */
  tailLines?: number;
}

/** Runs a command to completion and returns its stdout; a failure throws with the tail of its output. */
export function runCommand(command: string, args: string[], options: RunOptions = {}): Promise<string> {
  const { cwd, env, onLine, errorCode = 'ERR_IMAGE_COMMAND', tailLines = 30 } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const tail: string[] = [];
    const keep = (line: string) => {
      tail.push(line);
      if (tail.length > tailLines) tail.shift();
      onLine?.(line);
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    // stdout is returned whole (JSON, digests); only stderr streams as lines unless asked.
    if (onLine) createInterface({ input: child.stdout }).on('line', keep);
    createInterface({ input: child.stderr }).on('line', keep);
    child.on('error', (err) => {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        new DevError(
          missing ? 'ERR_IMAGE_TOOL_MISSING' : errorCode,
          missing ? `${command} is not installed; the local images need buildah, skopeo, debootstrap and gcc (apt-get install buildah skopeo debootstrap gcc)` : `${command}: ${err.message}`,
          { cause: err },
        ),
      );
    });
    child.on('close', (code, signal) => {
      if (code === 0) resolve(stdout);
      else reject(new DevError(errorCode, `${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${tail.join('\n')}`));
    });
  });
}
