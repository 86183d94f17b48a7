// The ABI's header format: one `name:value` per line, lines separated by `\n`.
import { HttpAbiError, HttpErrorCode } from './http-error-codes.js';

// RFC 9110 token and field-value rules; fetch would reject the rest anyway,
// but later and with a less useful message.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export type HeaderPair = readonly [name: string, value: string];

/** Parses guest request headers; a line without `:` or an invalid name or value is error 9. */
export function parseHeaderLines(text: string): HeaderPair[] {
  const pairs: HeaderPair[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon < 0) throw new HttpAbiError(HttpErrorCode.InvalidEncoding, `header line without ":": ${JSON.stringify(line)}`);
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (!TOKEN.test(name)) throw new HttpAbiError(HttpErrorCode.InvalidEncoding, `invalid header name ${JSON.stringify(name)}`);
    if (!FIELD_VALUE.test(value)) throw new HttpAbiError(HttpErrorCode.InvalidEncoding, `invalid value for header ${name}`);
    pairs.push([name, value]);
  }
  return pairs;
}

/** Formats response headers for `headers_get_all`: `name:value\n` per header. */
export function formatHeaderLines(headers: Iterable<readonly [string, string]>): string {
  let text = '';
  for (const [name, value] of headers) text += `${name}:${value}\n`;
  return text;
}
