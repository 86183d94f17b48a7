// The error catalogues are closed (a code not in them does not compile); these
// checks keep them honest the other way: no entry that nothing throws, and a
// hint for each that says what to do.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEV_ERROR_CATALOGUE } from '../../dev/dev-errors.js';
import { ERROR_CATALOGUE } from '../../operator/src/util/errors.js';
import { packageRoot } from '../../operator/src/util/package-root.js';

function sources(dir: string, skip: string): string {
  return readdirSync(join(packageRoot(), dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && join(dir, file) !== skip)
    .map((file) => readFileSync(join(packageRoot(), dir, file), 'utf8'))
    .join('\n');
}

test.each([
  ['the product', ERROR_CATALOGUE, 'operator/src', 'operator/src/util/errors.ts'],
  ['the development harness', DEV_ERROR_CATALOGUE, 'dev', 'dev/dev-errors.ts'],
])('every code in the catalogue of %s is used by its code, and each has a hint', (_name, catalogue, dir, self) => {
  const code = sources(dir, self);
  expect(Object.keys(catalogue).filter((key) => !code.includes(`'${key}'`))).toEqual([]);
  expect(Object.entries(catalogue).filter(([, hint]) => hint.length < 20)).toEqual([]);
});

test("the product's codes and the harness's never share a name", () => {
  expect(Object.keys(ERROR_CATALOGUE).filter((key) => key in DEV_ERROR_CATALOGUE)).toEqual([]);
});
