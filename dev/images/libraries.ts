// The shared libraries of a dynamically linked binary, from `ldd`: Dapr's
// binaries are built with cgo and Debian's redis-server links a dozen
// libraries, so their scratch images need each one at the path the loader
// looks for it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { WasiOperatorError } from '../../operator/src/util/errors.js';
import { DevError } from '../dev-errors.js';

const run = promisify(execFile);

export interface LinkedLibraries {
  /** The dynamic loader (PT_INTERP), e.g. /lib64/ld-linux-x86-64.so.2; undefined for a static binary. */
  interpreter: string | undefined;
  /** Every library's absolute path, the loader included. */
  paths: string[];
}

/** Pure: parses `ldd BINARY` output. A library ldd cannot find is an error, not an image that fails at start. */
export function parseLdd(output: string, binary = 'binary'): LinkedLibraries {
  const lines = output.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  if (lines.some((line) => /not a dynamic executable|statically linked/.test(line))) return { interpreter: undefined, paths: [] };
  const paths: string[] = [];
  let interpreter: string | undefined;
  for (const line of lines) {
    const missing = /^(\S+) => not found$/.exec(line);
    if (missing) throw new DevError('ERR_IMAGE_LIBRARY', `${binary} needs ${missing[1]}, which is not installed on this machine`);
    const arrow = /^\S+ => (\/\S+) \(0x[0-9a-f]+\)$/.exec(line);
    if (arrow?.[1]) {
      paths.push(arrow[1]);
      continue;
    }
    // The loader and the vDSO have no arrow; the vDSO has no file.
    const bare = /^(\/\S+) \(0x[0-9a-f]+\)$/.exec(line);
    if (bare?.[1]) {
      interpreter = bare[1];
      paths.push(bare[1]);
    }
  }
  return { interpreter, paths: [...new Set(paths)] };
}

export async function linkedLibraries(binary: string): Promise<LinkedLibraries> {
  try {
    const { stdout } = await run('ldd', [binary], { encoding: 'utf8' });
    return parseLdd(stdout, binary);
  } catch (err) {
    // ldd exits 1 for a static binary ("not a dynamic executable").
    const output = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
    if (/not a dynamic executable|statically linked/.test(output)) return { interpreter: undefined, paths: [] };
    if (err instanceof WasiOperatorError) throw err;
    throw new DevError('ERR_IMAGE_LIBRARY', `ldd ${binary} failed: ${output.trim() || String(err)}`, { cause: err });
  }
}
