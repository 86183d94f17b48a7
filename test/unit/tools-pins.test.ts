import { binaryNames, goOutputName, GO_TOOLS, HELM, stampOf } from '../../operator/src/local/tools/pins.js';
import { wrapperGoMod, wrapperToolsGo } from '../../operator/src/local/tools/wrapper-module.js';

describe('tool pins', () => {
  test('`tools ensure --all` builds every Go tool the tests use, each under its own name', () => {
    expect(GO_TOOLS.map((pin) => pin.name)).toEqual(['daprd', 'etcd', 'kubernetes', 'helm']);
    const binaries = GO_TOOLS.flatMap(binaryNames);
    expect(new Set(binaries).size).toBe(binaries.length);
  });

  test('helm builds cmd/helm into bin/helm and reports the pinned version', () => {
    expect(binaryNames(HELM)).toEqual(['helm']);
    expect(goOutputName(HELM, 'cmd/helm')).toBe('helm');
    // helm's Makefile sets the same variable; without it `helm version` says only "v4.3".
    expect(HELM.ldflags).toContain(`-X helm.sh/helm/v4/internal/version.version=${HELM.version}`);
    expect(HELM.module.endsWith(`/v${HELM.version.slice(1).split('.')[0]}`)).toBe(true);
  });

  test("helm's go.mod has no replace lines: the wrapper keeps its requirements and requires the pin", () => {
    const upstream = 'module helm.sh/helm/v4\n\ngo 1.26.0\n\nrequire (\n\tk8s.io/client-go v0.37.1\n)\n';
    const out = wrapperGoMod(upstream, HELM);
    expect(out).toMatch(/^module wasioperator\.local\/build\/helm$/m);
    expect(out).toContain('\tk8s.io/client-go v0.37.1');
    expect(out).toMatch(new RegExp(`^require helm\\.sh/helm/v4 ${HELM.version.replace(/\./g, '\\.')}$`, 'm'));
    expect(wrapperToolsGo(HELM)).toContain('_ "helm.sh/helm/v4/cmd/helm"');
  });

  test('changing the helm pin rebuilds helm', () => {
    expect(stampOf({ ...HELM, version: 'v4.0.0' })).not.toBe(stampOf(HELM));
  });
});
