import { describe, expect, test } from '@jest/globals';
import { appIdFor, componentNameFor, jobNameFor, storeNameFor } from '../../operator/src/resources/names.js';
import { labelValueFor, podLabelsFor, selectorFor } from '../../operator/src/resources/labels.js';
import { wasiApp } from '../helpers/wasiapp-fixtures.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const podNameFor = (app: Parameters<typeof jobNameFor>[0]) => jobNameFor(app, undefined);

describe('jobNameFor (a run of the spec)', () => {
  test('is <name>-g<generation> for a short name', () => {
    expect(podNameFor(wasiApp({ name: 'seed', generation: 3 }))).toBe('seed-g3');
  });

  test('is the same for the same app and generation', () => {
    expect(podNameFor(wasiApp({ name: 'seed', generation: 2 }))).toBe(podNameFor(wasiApp({ name: 'seed', generation: 2 })));
  });

  test('changes when the generation changes', () => {
    expect(podNameFor(wasiApp({ generation: 1 }))).not.toBe(podNameFor(wasiApp({ generation: 2 })));
  });

  test.each([
    ['a 253-character name', 'a'.repeat(253)],
    ['a name one character too long for the suffix', 'b'.repeat(60)],
    ['a name with dots', 'team.payments.seed'],
    ['a long name with dots', `${'x'.repeat(40)}.${'y'.repeat(40)}`],
  ])('is a DNS label short enough for the Job controller\'s Pod suffix (57) for %s', (_, name) => {
    const podName = podNameFor(wasiApp({ name, generation: 1234567 }));
    expect(podName.length).toBeLessThanOrEqual(57);
    expect(podName).toMatch(DNS_LABEL);
    expect(podName.endsWith('-g1234567')).toBe(true);
  });

  test('keeps two long names with the same prefix apart', () => {
    const prefix = 'p'.repeat(70);
    expect(podNameFor(wasiApp({ name: `${prefix}-one` }))).not.toBe(podNameFor(wasiApp({ name: `${prefix}-two` })));
  });

  test('keeps a dotted name apart from its dashed twin', () => {
    expect(podNameFor(wasiApp({ name: 'a.b' }))).not.toBe(podNameFor(wasiApp({ name: 'a-b' })));
  });

  test('throws a typed error when the app has no generation', () => {
    const app = wasiApp();
    delete app.metadata.generation;
    expect(() => podNameFor(app)).toThrow(expect.objectContaining({ code: 'ERR_WASIAPP_METADATA' }));
  });
});

describe('appIdFor', () => {
  test.each([
    ['spec.dapr.appId when set', { dapr: { appId: 'orders' } }, 'orders'],
    ['metadata.name otherwise', {}, 'seed'],
  ])('is %s', (_, spec, expected) => {
    expect(appIdFor(wasiApp({ name: 'seed', spec }))).toBe(expected);
  });
});

describe('storeNameFor and componentNameFor', () => {
  test.each([
    ['statestore by default', {}, 'statestore'],
    ['spec.dapr.stateStore.name when set', { dapr: { stateStore: { name: 'orders-store' } } }, 'orders-store'],
    ['the existing Component when one is named', { dapr: { stateStore: { name: 'statestore', existingComponent: 'shared-redis' } } }, 'shared-redis'],
  ])('are %s', (_, spec, expected) => {
    const app = wasiApp({ spec });
    expect(storeNameFor(app)).toBe(expected);
    expect(componentNameFor(app)).toBe(expected);
  });
});

describe('labels', () => {
  test('pod labels name the app, the operator and the generation', () => {
    expect(podLabelsFor(wasiApp({ name: 'seed', generation: 4 }))).toEqual({
      'app.kubernetes.io/name': 'wasi-app',
      'app.kubernetes.io/instance': 'seed',
      'app.kubernetes.io/managed-by': 'wasi-operator',
      'wasi-operator.dev/generation': '4',
    });
  });

  test('a name longer than a label value is shortened with a hash', () => {
    const value = labelValueFor(`${'n'.repeat(62)}.${'m'.repeat(100)}`);
    expect(value.length).toBeLessThanOrEqual(63);
    expect(value).toMatch(/^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/);
  });

  test('the selector matches the instance and managed-by labels', () => {
    expect(selectorFor(wasiApp({ name: 'seed' }))).toBe('app.kubernetes.io/instance=seed,app.kubernetes.io/managed-by=wasi-operator');
  });
});
