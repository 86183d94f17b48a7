import { formatHeaderLines, parseHeaderLines } from '../../operator/src/host/header-lines.js';
import { abiCodeOf } from '../helpers/abi-code.js';


describe('header lines', () => {
  test('parses name:value lines, trimming spaces and skipping blank lines', () => {
    expect(parseHeaderLines('Content-Type:application/json\nX-A: 1 \n\nX-Empty:\n')).toEqual([
      ['Content-Type', 'application/json'],
      ['X-A', '1'],
      ['X-Empty', ''],
    ]);
  });

  test('a value may contain colons', () => {
    expect(parseHeaderLines('Referer:http://a:1/b')).toEqual([['Referer', 'http://a:1/b']]);
  });

  test('tolerates CRLF line ends', () => {
    expect(parseHeaderLines('A:1\r\nB:2\r\n')).toEqual([['A', '1'], ['B', '2']]);
  });

  test('no headers at all is fine', () => {
    expect(parseHeaderLines('')).toEqual([]);
  });

  test.each([['no-colon-here'], ['bad name:1'], [':novalue'], ['X-A:\u0000'], ['X-Euro:€']])('%j is error 9 (invalid encoding)', (line) => {
    expect(abiCodeOf(() => parseHeaderLines(line))).toBe(9);
  });

  test('formats one name:value line per header', () => {
    expect(formatHeaderLines([['content-type', 'text/plain'], ['x-a', '1']])).toBe('content-type:text/plain\nx-a:1\n');
  });
});
