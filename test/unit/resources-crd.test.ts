// The CRD files against the names the code uses: a typo in either would only
// show up as a 404 against a real cluster.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import yaml from 'js-yaml';
import * as names from '../../operator/src/api/names.js';

interface Crd {
  spec: {
    group: string;
    names: { kind: string; plural: string; shortNames?: string[] };
    versions: { name: string; served: boolean; storage: boolean; subresources?: { status?: object } }[];
  };
}

function readCrd(file: string): Crd {
  return yaml.load(readFileSync(new URL(`../../crds/${file}`, import.meta.url), 'utf8')) as Crd;
}

describe('CRD files', () => {
  test('the WasiApp CRD serves and stores the group, version, kind, plural and short name the code uses', () => {
    const crd = readCrd('wasiapps.wasi-operator.dev.yaml');
    expect(crd.spec.group).toBe(names.API_GROUP);
    expect(crd.spec.names).toMatchObject({ kind: names.WASIAPP_KIND, plural: names.WASIAPP_PLURAL, shortNames: [names.WASIAPP_SHORT_NAME] });
    expect(crd.spec.versions).toMatchObject([{ name: names.API_VERSION, served: true, storage: true, subresources: { status: {} } }]);
  });

  test('the Dapr Component CRD serves and stores the group, version, kind and plural the code uses', () => {
    const crd = readCrd('components.dapr.io.yaml');
    expect(crd.spec.group).toBe(names.DAPR_COMPONENT_GROUP);
    expect(crd.spec.names).toMatchObject({ kind: names.DAPR_COMPONENT_KIND, plural: names.DAPR_COMPONENT_PLURAL });
    expect(crd.spec.versions).toMatchObject([{ name: names.DAPR_COMPONENT_VERSION, served: true, storage: true }]);
  });
});
