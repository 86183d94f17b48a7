import {
  clipText,
  DAPR_ERROR_MESSAGE_MAX_BYTES,
  daprErrorFromAnswer,
  daprErrorFromTimeout,
  DaprErrorRecord,
  stateStoreOf,
} from '../../operator/src/host/state-store-failure.js';

const sidecar = new Set(['http://127.0.0.1:3500', 'http://[::1]:3500']);
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('stateStoreOf', () => {
  test.each([
    ['http://127.0.0.1:3500/v1.0/state/statestore', 'statestore'],
    ['http://127.0.0.1:3500/v1.0/state/statestore/weapon', 'statestore'],
    ['http://127.0.0.1:3500/v1.0/state/statestore/bulk', 'statestore'],
    ['http://[::1]:3500/v1.0-alpha1/state/orders/query', 'orders'],
    ['http://127.0.0.1:3500/v1.0/state/my%20store/k', 'my store'],
  ])('%s is a state request to store %s', (url, store) => {
    expect(stateStoreOf(new URL(url), sidecar)).toBe(store);
  });

  test.each([
    'http://127.0.0.1:3500/v1.0/publish/pubsub/orders',
    'http://127.0.0.1:3500/v1.0/healthz/outbound',
    'http://127.0.0.1:3500/v1.0/state/',
    'http://127.0.0.1:3501/v1.0/state/statestore',
    'http://example.com/v1.0/state/statestore',
  ])('%s is not', (url) => {
    expect(stateStoreOf(new URL(url), sidecar)).toBeUndefined();
  });
});

describe('daprErrorFromAnswer', () => {
  test("a 500 with Dapr's JSON error keeps its code and message", () => {
    const body = json({ errorCode: 'ERR_STATE_SAVE', message: 'failed saving state in state store statestore: connection refused' });
    expect(daprErrorFromAnswer('statestore', 500, body)).toEqual({
      status: 500,
      errorCode: 'ERR_STATE_SAVE',
      message: 'failed saving state in state store statestore: connection refused',
      store: 'statestore',
    });
  });

  test('a 5xx without JSON keeps the start of its body, or says the status', () => {
    expect(daprErrorFromAnswer('s', 503, new TextEncoder().encode('upstream down\n'))).toEqual({ status: 503, errorCode: '', message: 'upstream down', store: 's' });
    expect(daprErrorFromAnswer('s', 502, new Uint8Array())?.message).toBe('daprd answered 502');
  });

  test("the guest's own 4xx (an unknown store, a conflict, a bad request) is not the store's failure", () => {
    expect(daprErrorFromAnswer('nostore', 400, json({ errorCode: 'ERR_STATE_STORE_NOT_FOUND', message: 'state store nostore is not found' }))).toBeUndefined();
    expect(daprErrorFromAnswer('s', 409, json({ errorCode: 'ERR_STATE_SAVE', message: 'possible etag mismatch' }))).toBeUndefined();
    expect(daprErrorFromAnswer('s', 400, json({ errorCode: 'ERR_MALFORMED_REQUEST', message: 'bad' }))).toBeUndefined();
    expect(daprErrorFromAnswer('s', 404, new Uint8Array())).toBeUndefined();
  });

  test('a long message is cut to a few hundred bytes', () => {
    const error = daprErrorFromAnswer('s', 500, json({ errorCode: 'ERR_STATE_GET', message: 'x'.repeat(5000) }));
    expect(Buffer.byteLength(error!.message)).toBeLessThanOrEqual(DAPR_ERROR_MESSAGE_MAX_BYTES);
    expect(error!.message.endsWith('...')).toBe(true);
  });

  test('a timeout has status 0 and names the limit', () => {
    expect(daprErrorFromTimeout('statestore', 20_000)).toEqual({
      status: 0,
      errorCode: '',
      message: 'no answer from the Dapr sidecar within 20000 ms (--request-timeout)',
      store: 'statestore',
    });
  });
});

describe('clipText', () => {
  test('drops control characters and never cuts a character in half', () => {
    expect(clipText('a\u0000\nb', 100)).toBe('a b');
    const clipped = clipText('€'.repeat(100), 50);
    expect(Buffer.byteLength(clipped)).toBeLessThanOrEqual(50);
    expect(clipped).not.toContain('\uFFFD');
    expect(clipped).toBe(`${'€'.repeat(15)}...`);
  });
});

describe('DaprErrorRecord', () => {
  test('keeps the last failure, readable from another view of the same memory', () => {
    const record = DaprErrorRecord.create();
    expect(record.last()).toBeUndefined();
    record.record(daprErrorFromTimeout('a', 1000));
    const second = { status: 500, errorCode: 'ERR_STATE_GET', message: 'redis: connection refused', store: 'b' };
    record.record(second);
    expect(DaprErrorRecord.attach(record.state).last()).toEqual(second);
  });
});
