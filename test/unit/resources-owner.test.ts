import { describe, expect, test } from '@jest/globals';
import { isControlledBy, ownerReferenceFor } from '../../operator/src/resources/owner.js';
import { TEST_UID, wasiApp } from '../helpers/wasiapp-fixtures.js';

describe('ownerReferenceFor', () => {
  test('is a controller reference to the WasiApp that blocks its deletion', () => {
    expect(ownerReferenceFor(wasiApp({ name: 'seed' }))).toEqual({
      apiVersion: 'wasi-operator.dev/v1alpha1',
      kind: 'WasiApp',
      name: 'seed',
      uid: TEST_UID,
      controller: true,
      blockOwnerDeletion: true,
    });
  });

  test('throws a typed error when the app has no uid', () => {
    const app = wasiApp();
    delete app.metadata.uid;
    expect(() => ownerReferenceFor(app)).toThrow(expect.objectContaining({ code: 'ERR_WASIAPP_METADATA' }));
  });
});

describe('isControlledBy', () => {
  const app = wasiApp();
  test.each([
    ['its own controller reference', [ownerReferenceFor(app)], true],
    ['another WasiApp as controller', [{ ...ownerReferenceFor(app), uid: 'another-uid' }], false],
    ['the app as a non-controller owner', [{ ...ownerReferenceFor(app), controller: false }], false],
    ['no owner references', undefined, false],
  ])('an object with %s', (_, ownerReferences, expected) => {
    expect(isControlledBy({ metadata: { name: 'statestore', ownerReferences } }, app)).toBe(expected);
  });
});
