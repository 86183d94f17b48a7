import { OUTPUT_TAIL_BYTES, OutputCapture } from '../../operator/src/host/output-capture.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

describe('output capture', () => {
  test('keeps everything while the output is short', () => {
    const capture = OutputCapture.create(undefined);
    capture.record(1, bytes('hello '));
    capture.record(2, bytes('world'));
    expect(text(capture.tail())).toBe('hello world');
    expect(capture.totalBytes).toBe(11);
  });

  test('keeps only the last bytes of a long output, in order', () => {
    const capture = OutputCapture.create(undefined);
    let all = '';
    for (let i = 0; i < 1000; i++) {
      const line = `line ${i}\n`;
      all += line;
      capture.record(1, bytes(line));
    }
    expect(text(capture.tail())).toBe(all.slice(-OUTPUT_TAIL_BYTES));
  });

  test('a single write larger than the tail keeps its end', () => {
    const capture = OutputCapture.create(undefined);
    capture.record(1, bytes('x'.repeat(10_000) + 'END'));
    expect(capture.tail().byteLength).toBe(OUTPUT_TAIL_BYTES);
    expect(text(capture.tail()).endsWith('xEND')).toBe(true);
  });

  test('finds the success output split across writes', () => {
    const capture = OutputCapture.create('Test successfully!');
    capture.record(1, bytes('...Test succ'));
    expect(capture.successSeen).toBe(false);
    capture.record(1, bytes('essfully!\n'));
    expect(capture.successSeen).toBe(true);
  });

  test('finds the success output split across many tiny writes', () => {
    const capture = OutputCapture.create('needle');
    for (const ch of 'hay needle hay') capture.record(1, bytes(ch));
    expect(capture.successSeen).toBe(true);
  });

  test('finds the success output long before the tail', () => {
    const capture = OutputCapture.create('early bird');
    capture.record(1, bytes('the early bird\n'));
    capture.record(1, bytes('y'.repeat(100_000)));
    expect(capture.successSeen).toBe(true);
    expect(text(capture.tail())).not.toContain('early bird');
  });

  test('does not join stdout and stderr into a false match', () => {
    const capture = OutputCapture.create('ok!');
    capture.record(1, bytes('ok'));
    capture.record(2, bytes('!'));
    expect(capture.successSeen).toBe(false);
  });

  test('another thread attached to the same state sees the same tail', () => {
    const capture = OutputCapture.create('x');
    capture.record(1, bytes('shared x'));
    const attached = OutputCapture.attach(structuredClone(capture.state));
    expect(text(attached.tail())).toBe('shared x');
    expect(attached.successSeen).toBe(true);
  });
});
