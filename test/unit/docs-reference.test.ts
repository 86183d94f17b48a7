// docs/reference.md is generated from the WasiApp CRD (`node dev/bin/wasi-dev.mjs docs`):
// it must say what the API server enforces, so it may not drift from the CRD.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REFERENCE_PATH, referenceFor, renderCrdReference, type Schema } from '../../dev/docs/crd-reference.js';
import { packageRoot } from '../../operator/src/util/package-root.js';

test('docs/reference.md is what the CRD generates (run `node dev/bin/wasi-dev.mjs docs` after changing the CRD)', () => {
  expect(readFileSync(join(packageRoot(), REFERENCE_PATH), 'utf8')).toBe(referenceFor(packageRoot()));
});

test('a field is listed with its type, limits, default, description and rules; a repeated object points at its first listing', () => {
  const object = (properties: Record<string, Schema>): Schema => ({ type: 'object', properties });
  const run = object({ phase: { type: 'string', enum: ['Pending', 'Failed'] } });
  const text = renderCrdReference({
    spec: {
      group: 'g.dev',
      names: { kind: 'Thing', shortNames: ['th'] },
      versions: [
        {
          name: 'v1',
          schema: {
            openAPIV3Schema: object({
              spec: {
                type: 'object',
                required: ['size'],
                properties: {
                  size: { type: 'integer', format: 'int32', minimum: 1, maximum: 9, default: 3, description: 'How big.', 'x-kubernetes-validations': [{ rule: 'self > 0', message: 'must be positive' }] },
                },
              },
              status: object({ runs: { type: 'array', items: run }, lastRun: run }),
            }),
          },
        },
      ],
    },
  });
  expect(text).toContain('| `spec.size` | integer (int32) | required; default `3`; 1–9 | How big. Rule: must be positive. |');
  expect(text).toContain('| `status.runs[].phase` | string | one of `Pending`, `Failed` |  |');
  expect(text).toContain('| `status.lastRun` | object |  | Same fields as `status.runs[]`. |');
});
