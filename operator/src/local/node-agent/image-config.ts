// The parts of the project's image config a container runtime would read from
// the image (ENTRYPOINT, CMD, ENV, WORKDIR), taken from the repository's own
// Dockerfile: no image is built or pulled here, and reading the Dockerfile
// keeps the local run from drifting from the image (its V8 flags above all).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WasiOperatorError } from '../../util/errors.js';
import { repoRoot } from '../repo-root.js';

export interface ImageConfig {
  entrypoint: string[];
  cmd: string[];
  env: Record<string, string>;
  workdir: string;
}

function imageConfigError(problem: string): WasiOperatorError {
  return new WasiOperatorError('ERR_NODE_AGENT_IMAGE_CONFIG', `Dockerfile: ${problem}`);
}

/** Instructions of the Dockerfile, one per entry, with `\` continuations joined and comments dropped. */
export function instructions(text: string): { keyword: string; rest: string }[] {
  const out: { keyword: string; rest: string }[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    const match = /^(\S+)\s*(.*)$/.exec(current);
    if (match) out.push({ keyword: match[1]!.toUpperCase(), rest: match[2]! });
    current = '';
  }
  return out;
}

function execForm(keyword: string, rest: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rest);
  } catch {
    throw imageConfigError(`${keyword} must use the exec form (a JSON array), got ${rest}`);
  }
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) throw imageConfigError(`${keyword} must be a JSON array of strings`);
  return parsed as string[];
}

/** The config of the Dockerfile's last stage. Pure. */
export function parseDockerfile(text: string): ImageConfig {
  let config: ImageConfig = { entrypoint: [], cmd: [], env: {}, workdir: '/' };
  for (const { keyword, rest } of instructions(text)) {
    switch (keyword) {
      case 'FROM':
        // A new stage starts from its base image, whose config we cannot know: only the last stage counts.
        config = { entrypoint: [], cmd: [], env: {}, workdir: '/' };
        break;
      case 'ENTRYPOINT':
        config.entrypoint = execForm(keyword, rest);
        // As Docker does: a new ENTRYPOINT resets a CMD inherited before it.
        config.cmd = [];
        break;
      case 'CMD':
        config.cmd = execForm(keyword, rest);
        break;
      case 'ENV':
        for (const pair of rest.split(/\s+/).filter(Boolean)) {
          const eq = pair.indexOf('=');
          if (eq <= 0) throw imageConfigError(`ENV must use the KEY=VALUE form, got ${rest}`);
          config.env[pair.slice(0, eq)] = pair.slice(eq + 1).replace(/^"(.*)"$/, '$1');
        }
        break;
      case 'WORKDIR':
        config.workdir = rest.startsWith('/') ? rest : join(config.workdir, rest);
        break;
      default:
        break;
    }
  }
  if (config.entrypoint.length === 0) throw imageConfigError('no ENTRYPOINT');
  return config;
}

let cached: ImageConfig | undefined;

/** The image config of this checkout's Dockerfile, read once. */
export function projectImageConfig(): ImageConfig {
  cached ??= parseDockerfile(readFileSync(join(repoRoot(), 'Dockerfile'), 'utf8'));
  return cached;
}
