import type { V1ObjectMeta } from '@kubernetes/client-node';
import { deepEqual, mergePatch } from '../../operator/src/util/json-diff.js';
import { componentMatches } from '../../operator/src/controller/shared-store.js';

describe('deepEqual', () => {
  it('ignores key order and undefined members, not array order', () => {
    expect(deepEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(deepEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(deepEqual([1, 2], [2, 1])).toBe(false);
    expect(deepEqual({ a: 1 }, { a: '1' })).toBe(false);
    expect(deepEqual(new Date('2030-01-01T00:00:00Z'), '2030-01-01T00:00:00.000Z')).toBe(true);
  });
});

describe('mergePatch', () => {
  it('sets changed members, nulls removed ones, replaces arrays whole', () => {
    const from = { phase: 'Succeeded', result: { passed: true, exitCode: 0, reason: 'x' }, conditions: [{ type: 'A' }], podName: 'p-g1' };
    const to = { phase: 'Pending', result: { passed: true, exitCode: 0 }, conditions: [{ type: 'A' }, { type: 'B' }] };
    expect(mergePatch(from, to)).toEqual({
      phase: 'Pending',
      result: { reason: null },
      conditions: [{ type: 'A' }, { type: 'B' }],
      podName: null,
    });
    expect(mergePatch(to, to)).toEqual({});
  });
});

describe('componentMatches', () => {
  const desired = {
    apiVersion: 'dapr.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'statestore', namespace: 'ns', labels: { a: 'b' } } as V1ObjectMeta,
    spec: { type: 'state.redis', version: 'v1', metadata: [{ name: 'redisHost', value: 'r:6379' }] },
    scopes: ['x'],
  };

  it('accepts what the API server adds, and notices a changed spec', () => {
    const current = structuredClone(desired);
    Object.assign(current.metadata, { resourceVersion: '12', labels: { a: 'b', other: 'label' } });
    expect(componentMatches(desired, current)).toBe(true);
    const changed = structuredClone(current);
    changed.spec.metadata[0]!.value = 'other:6379';
    expect(componentMatches(desired, changed)).toBe(false);
    const unscoped = structuredClone(current);
    unscoped.scopes = [];
    expect(componentMatches(desired, unscoped)).toBe(false);
  });

  it('does not match a Component that still carries WasiApp owner references (made before they were dropped)', () => {
    const legacy = structuredClone(desired);
    legacy.metadata.ownerReferences = [{ apiVersion: 'wasi-operator.dev/v1alpha1', kind: 'WasiApp', name: 'x', uid: 'u', controller: true }];
    expect(componentMatches(desired, legacy)).toBe(false);
  });
});
