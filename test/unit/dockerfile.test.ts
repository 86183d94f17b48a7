// Fast checks of what the image holds, before the local cluster's image build
// (dev/images) runs the Dockerfile for real: every COPY source
// exists in a built checkout and is not left out of the build context by
// .dockerignore, and the files the image's commands read at run time are among them.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GUEST_PATH } from '../../operator/src/cli/smoke/seed-app.js';
import { packageRoot } from '../../operator/src/util/package-root.js';

/** Instructions of the Dockerfile, one per entry, with `\` continuations joined and comments dropped. */
function instructions(text: string): { keyword: string; rest: string }[] {
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

const root = packageRoot();
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const copySources = instructions(dockerfile)
  .filter((i) => i.keyword === 'COPY')
  .flatMap((i) => i.rest.split(/\s+/).filter((word) => !word.startsWith('--')).slice(0, -1));

/** .dockerignore's rules, in order; the last rule that matches a path decides (a `!` rule lets it back in). */
function isIgnored(path: string): boolean {
  let ignored = false;
  for (const raw of readFileSync(join(root, '.dockerignore'), 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = negated ? line.slice(1) : line;
    const matches = pattern.endsWith('/*')
      ? path.startsWith(pattern.slice(0, -1))
      : path === pattern || path.startsWith(`${pattern}/`);
    if (matches) ignored = !negated;
  }
  return ignored;
}

test('every COPY source exists in a built checkout (npm run build)', () => {
  expect(copySources.length).toBeGreaterThan(0);
  expect(copySources.filter((source) => !existsSync(join(root, source)))).toEqual([]);
});

test('no COPY source is left out of the build context by .dockerignore', () => {
  expect(copySources.filter(isIgnored)).toEqual([]);
  // The rules do what they are for: the other guests and the build info stay out.
  expect(isIgnored('guest/build/flood.wasm')).toBe(true);
  expect(isIgnored('dist/.tsbuildinfo')).toBe(true);
});

test("the image holds what `wasi-operator smoke` (the chart's helm test Pod) reads: the seed's guest (its WasiApp is embedded)", () => {
  expect(copySources).toEqual(expect.arrayContaining([GUEST_PATH]));
});

test('the image copies no part of the development harness (dev/, dist/dev)', () => {
  expect(copySources.filter((source) => source === 'dev' || source.startsWith('dev/') || source.startsWith('dist/dev') || source === 'dist')).toEqual([]);
});
