import { buildResultJson, RESULT_MAX_BYTES, type ResultSummary } from '../../operator/src/host/result.js';
import { clipText, DAPR_ERROR_MESSAGE_MAX_BYTES, type DaprError } from '../../operator/src/host/state-store-failure.js';

const summary: ResultSummary = {
  exitCode: 0,
  passed: true,
  reason: null,
  compileMillis: 0.4567891,
  instantiateMillis: 0.1,
  runMillis: 12.3456789,
};

const encode = (text: string) => new TextEncoder().encode(text);
const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');

describe('result JSON', () => {
  test('has exactly the documented fields, millis rounded to microseconds', () => {
    const json = buildResultJson(summary, encode('Test successfully!\n'));
    expect(JSON.parse(json)).toEqual({
      exitCode: 0,
      passed: true,
      reason: null,
      output: 'Test successfully!\n',
      compileMillis: 0.457,
      instantiateMillis: 0.1,
      runMillis: 12.346,
    });
  });

  test('keeps the end of a long output and stays within 4096 bytes', () => {
    const output = `${'a'.repeat(3000)}${'b'.repeat(3000)}THE END`;
    const json = buildResultJson(summary, encode(output).subarray(-4096));
    expect(byteLength(json)).toBeLessThanOrEqual(RESULT_MAX_BYTES);
    const parsed = JSON.parse(json) as { output: string };
    expect(parsed.output.endsWith('bbbTHE END')).toBe(true);
    expect(byteLength(json)).toBeGreaterThan(RESULT_MAX_BYTES - 16);
  });

  test('counts JSON escaping against the limit', () => {
    const json = buildResultJson(summary, encode('"\n\u0001'.repeat(2000)).subarray(-4096));
    expect(byteLength(json)).toBeLessThanOrEqual(RESULT_MAX_BYTES);
    expect((JSON.parse(json) as { output: string }).output.endsWith('"\n\u0001')).toBe(true);
  });

  test('multi-byte characters are never cut in half', () => {
    const output = '€😀'.repeat(1000);
    const json = buildResultJson(summary, encode(output).subarray(-4096 + 1));
    expect(byteLength(json)).toBeLessThanOrEqual(RESULT_MAX_BYTES);
    const kept = (JSON.parse(json) as { output: string }).output;
    expect(kept).not.toContain('\uFFFD');
    expect(output.endsWith(kept)).toBe(true);
    expect(kept.length).toBeGreaterThan(100);
  });

  test('a tail that starts mid-character drops the partial character', () => {
    const bytes = encode('€abc').subarray(1); // starts with two continuation bytes
    expect((JSON.parse(buildResultJson(summary, bytes)) as { output: string }).output).toBe('abc');
  });

  test('invalid UTF-8 in the output becomes U+FFFD, still valid JSON', () => {
    const json = buildResultJson(summary, Uint8Array.of(0x61, 0xff, 0x62));
    expect((JSON.parse(json) as { output: string }).output).toBe('a\uFFFDb');
  });

  test('a failure carries its reason', () => {
    const json = buildResultJson({ ...summary, exitCode: 124, passed: false, reason: 'Timeout' }, new Uint8Array());
    expect(JSON.parse(json)).toMatchObject({ exitCode: 124, passed: false, reason: 'Timeout', output: '' });
  });

  describe('daprError', () => {
    const daprError: DaprError = {
      status: 500,
      errorCode: 'ERR_STATE_SAVE',
      message: 'failed saving state in state store statestore: dial tcp 10.0.0.7:6379: connect: connection refused',
      store: 'statestore',
    };
    const failed: ResultSummary = { ...summary, exitCode: 1, passed: false, reason: 'StateStoreUnavailable', daprError };

    test('is written after the reason, only when there is one', () => {
      const json = buildResultJson(failed, encode('Test failed!\n'));
      expect(JSON.parse(json)).toMatchObject({ reason: 'StateStoreUnavailable', daprError, output: 'Test failed!\n' });
      expect(Object.keys(JSON.parse(json) as object).slice(0, 5)).toEqual(['exitCode', 'passed', 'reason', 'daprError', 'output']);
      expect(JSON.parse(buildResultJson(summary, encode('x')))).not.toHaveProperty('daprError');
    });

    test('the largest daprError the host records still leaves the result within 4096 bytes, the output cut to fit', () => {
      const worst: DaprError = {
        status: 503,
        errorCode: clipText('E"\\'.repeat(100), 64),
        message: clipText('"\\€\u0001'.repeat(1000), DAPR_ERROR_MESSAGE_MAX_BYTES),
        store: clipText('s"'.repeat(200), 128),
      };
      const output = `${'"\n'.repeat(3000)}THE END`;
      const json = buildResultJson({ ...failed, daprError: worst }, encode(output).subarray(-4096));
      expect(byteLength(json)).toBeLessThanOrEqual(RESULT_MAX_BYTES);
      const parsed = JSON.parse(json) as { daprError: DaprError; output: string };
      expect(parsed.daprError).toEqual(worst);
      expect(parsed.output.endsWith('THE END')).toBe(true);
    });

    test('a daprError too large for the result is cut, never the 4096-byte limit broken', () => {
      const huge: DaprError = { status: 500, errorCode: 'ERR_STATE_GET', message: 'm'.repeat(10_000), store: 'statestore' };
      const json = buildResultJson({ ...failed, daprError: huge }, encode('o'.repeat(4096)));
      expect(byteLength(json)).toBeLessThanOrEqual(RESULT_MAX_BYTES);
      const parsed = JSON.parse(json) as { reason: string; daprError: DaprError };
      expect(parsed.reason).toBe('StateStoreUnavailable');
      expect(parsed.daprError.errorCode).toBe('ERR_STATE_GET');
      expect(byteLength(parsed.daprError.message)).toBeLessThanOrEqual(64);
    });
  });
});
