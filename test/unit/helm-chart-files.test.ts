// The chart ships the CRDs in its crds/ folder (Helm installs those first);
// they must be the repo's crds/, byte for byte, or a chart install and a
// `kubectl apply -f crds/` would disagree about the API.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';

const ROOT = process.cwd();
const CHART = join(ROOT, 'charts', 'wasi-operator');

describe('charts/wasi-operator', () => {
  test("crds/ is a byte-identical copy of the repo's crds/ (copy them over after changing a CRD)", () => {
    const repo = readdirSync(join(ROOT, 'crds')).sort();
    expect(readdirSync(join(CHART, 'crds')).sort()).toEqual(repo);
    for (const file of repo) {
      expect({ file, same: readFileSync(join(CHART, 'crds', file)).equals(readFileSync(join(ROOT, 'crds', file))) }).toEqual({ file, same: true });
    }
  });

  test("appVersion is package.json's version (the default image tag)", () => {
    const chart = load(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as { apiVersion: string; name: string; appVersion: string };
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'wasi-operator', appVersion: pkg.version });
  });
});
