import { buildResultJson, RESULT_MAX_BYTES, type ResultSummary } from '../../operator/src/host/result.js';

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
});
