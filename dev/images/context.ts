// The build context of our Dockerfile as buildah will see it, fingerprinted:
// every file .dockerignore lets in, with its mode and contents.
import { lstatSync, readdirSync, readFileSync, readlinkSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { isIgnored, mayReinclude, parseDockerignore, type IgnoreRule } from './dockerignore.js';
import type { FileDigests } from './stamps.js';

export interface ContextEntry {
  path: string;
  mode: number;
  /** A file's sha256, or a symlink's target. */
  digest?: string;
  target?: string;
}

function walk(root: string, rules: IgnoreRule[], dir: string, out: Array<{ path: string; kind: 'file' | 'symlink'; mode: number }>): void {
  for (const name of readdirSync(join(root, dir)).sort()) {
    const path = dir === '' ? name : `${dir}/${name}`;
    const stat = lstatSync(join(root, path));
    const ignored = isIgnored(rules, path);
    if (stat.isDirectory()) {
      if (!ignored || mayReinclude(rules, path)) walk(root, rules, path, out);
    } else if (!ignored) {
      if (stat.isSymbolicLink()) out.push({ path, kind: 'symlink', mode: stat.mode & 0o7777 });
      else if (stat.isFile()) out.push({ path, kind: 'file', mode: stat.mode & 0o7777 });
    }
  }
}

/** The context's files (sorted) with their digests, read through the digest memo. */
export async function contextEntries(root: string, digests: FileDigests): Promise<ContextEntry[]> {
  const ignoreFile = join(root, '.dockerignore');
  const rules = existsSync(ignoreFile) ? parseDockerignore(readFileSync(ignoreFile, 'utf8')) : [];
  const files: Array<{ path: string; kind: 'file' | 'symlink'; mode: number }> = [];
  walk(root, rules, '', files);
  const entries: ContextEntry[] = [];
  for (const file of files) {
    if (file.kind === 'symlink') entries.push({ path: file.path, mode: file.mode, target: readlinkSync(join(root, file.path)) });
    else entries.push({ path: file.path, mode: file.mode, digest: await digests.digest(join(root, file.path)) });
  }
  return entries;
}
