// The benchmarks load the product and the harness from dist/ by path
// (test/bench/lib.mjs distImport, devImport); they are not compiled, so a
// moved module breaks them only when someone runs `npm run bench`. This
// keeps every such path pointing at a source file that exists.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@jest/globals';
import { packageRoot } from '../../operator/src/util/package-root.js';

const BENCH_DIR = join(packageRoot(), 'test', 'bench');
const SOURCE_ROOTS = { distImport: join(packageRoot(), 'operator', 'src'), devImport: join(packageRoot(), 'dev') } as const;

test('every module a benchmark imports from dist/ has its source', () => {
  const missing: string[] = [];
  let imports = 0;
  for (const file of readdirSync(BENCH_DIR).filter((name) => name.endsWith('.mjs'))) {
    const text = readFileSync(join(BENCH_DIR, file), 'utf8');
    for (const match of text.matchAll(/\b(distImport|devImport)\('([^']+)\.js'\)/g)) {
      imports += 1;
      const source = join(SOURCE_ROOTS[match[1] as keyof typeof SOURCE_ROOTS], `${match[2]}.ts`);
      if (!existsSync(source)) missing.push(`${file}: ${match[1]}('${match[2]}.js')`);
    }
  }
  expect(imports).toBeGreaterThan(10);
  expect(missing).toEqual([]);
});
