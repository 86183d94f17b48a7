// What the fuzzer feeds the host: URLs, methods, header blocks and bodies as
// a guest could write them into its memory, biased towards the shapes that
// have broken HTTP hosts before (userinfo that looks like the allowed host,
// numeric and IPv6 spellings of loopback, trailing dots, ports 0 and 65536,
// CR/LF inside header values, invalid UTF-8).
import type { Prng } from './prng.js';
import { RAW_PATHS, ROUTE_PATHS } from './fuzz-servers.js';

export interface Ports {
  readonly allowed: number;
  readonly raw: number;
  readonly denied: number;
}

const encoder = new TextEncoder();
const INVALID_UTF8 = [Uint8Array.of(0xff), Uint8Array.of(0xc3), Uint8Array.of(0xed, 0xa0, 0x80), Uint8Array.of(0xe2, 0x82)];

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** Text as UTF-8, sometimes with an invalid sequence spliced in. */
export function withBadUtf8(rng: Prng, bytes: Uint8Array): Uint8Array {
  const at = rng.below(bytes.byteLength + 1);
  return concat([bytes.subarray(0, at), rng.pick(INVALID_UTF8), bytes.subarray(at)]);
}

function host(rng: Prng): string {
  return rng.pick([
    '127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.2', '127.1', '2130706433', '0x7f000001', '0177.0.0.1', '0x7f.0.0.1',
    '[::1]', '[::ffff:127.0.0.1]', '[0:0:0:0:0:0:0:1]', '0.0.0.0', '0', 'localhost', 'LOCALHOST', 'localhost.',
    'allowed.test', 'ALLOWED.test', 'allowed.test.', 'allowed.test..', 'rebind.test', 'evil.test', 'allowed.test.evil.test',
    'v6.test', 'unknown.test', '127.0.0.1.nip.test', '%31%32%37.0.0.1', 'allowed%2etest', '[fe80::1]', '[::]', '',
  ]);
}

function port(rng: Prng, ports: Ports): string {
  return rng.weighted<string>([
    [10, String(ports.allowed)], [4, String(ports.raw)], [3, String(ports.denied)], [1, '0'], [1, '65536'], [1, ''],
    [1, '80'], [1, `0${ports.allowed}`], [1, `${ports.allowed}x`], [1, String(rng.between(1, 65535))], [1, '-1'],
  ]);
}

function path(rng: Prng, ports: Ports): string {
  const redirectTargets = [
    '/ok', '{allowed}/ok', '{denied}/ok', `http://127.0.0.1:${ports.allowed}@127.0.0.1:${ports.denied}/`,
    `http://allowed.test:${ports.allowed}/ok`, `http://rebind.test:${ports.denied}/`, `//127.0.0.1:${ports.denied}/`,
    'ftp://127.0.0.1/', 'javascript:alert(1)', '/redirect?to=/redirect', 'http://[::1', `http://localhost:${ports.allowed}/ok`,
    `http://127.0.0.2:${ports.allowed}/`, `http://[::1]:${ports.allowed}/`,
  ];
  const status = rng.pick(['301', '302', '303', '307', '308', '300', '304']);
  return rng.weighted<string>([
    [12, rng.pick(ROUTE_PATHS.filter((p) => p !== '/redirect' && p !== '/hang' && p !== '/stall-body'))],
    [1, rng.pick(['/hang', '/stall-body'])],
    [6, `/redirect?status=${status}&to=${encodeURIComponent(rng.pick(redirectTargets))}`],
    [4, rng.pick(RAW_PATHS)],
    [1, '/%00/../..//?#'],
    [1, '/{long}'],
  ]).replace('{long}', () => 'a'.repeat(rng.between(1, 9000)));
}

/** A URL the host should send (an allowed origin, a route that answers), for the "sane" half of the requests. */
export function saneUrl(rng: Prng, ports: Ports): string {
  const origin = rng.weighted<string>([[6, `http://127.0.0.1:${ports.allowed}`], [2, `http://allowed.test:${ports.allowed}`], [2, `http://127.0.0.1:${ports.raw}`]]);
  return `${origin}${origin.endsWith(String(ports.raw)) ? rng.pick(RAW_PATHS) : path(rng, ports)}`;
}

export function url(rng: Prng, ports: Ports): string {
  const scheme = rng.weighted<string>([[20, 'http://'], [1, 'HTTP://'], [1, 'https://'], [1, 'ftp://'], [1, 'file://'], [1, 'http:'], [1, 'http:/'], [1, 'data:,'], [1, '']]);
  const userinfo = rng.weighted<string>([
    [12, ''], [1, 'user@'], [1, 'user:pw@'], [1, `127.0.0.1:${ports.allowed}@`], [1, 'allowed.test@'], [1, '@'], [1, ':@'],
  ]);
  const portText = port(rng, ports);
  return `${scheme}${userinfo}${host(rng)}${portText === '' ? '' : `:${portText}`}${path(rng, ports)}`;
}

export function method(rng: Prng, sane = false): Uint8Array {
  if (sane) return encoder.encode(rng.pick(['GET', 'GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'get']));
  const text = rng.weighted<string>([
    [10, 'GET'], [4, 'POST'], [2, 'HEAD'], [1, 'PUT'], [1, 'DELETE'], [1, 'OPTIONS'], [1, 'PATCH'], [1, 'get'], [1, 'post'],
    [1, 'CONNECT'], [1, 'TRACE'], [1, 'track'], [1, ''], [1, 'G E T'], [1, 'GET\r\n'], [1, 'X'.repeat(300)], [1, 'FOO'],
  ]);
  const bytes = encoder.encode(text);
  return rng.chance(0.05) ? withBadUtf8(rng, bytes) : bytes;
}

function headerLine(rng: Prng, allowLong: boolean): string {
  return rng.weighted<string>([
    [8, `x-test:${rng.between(0, 999)}`], [2, 'Content-Type: text/plain'], [1, 'x-crlf: a\r\nInjected: yes'],
    [1, 'x-cr: a\rb'], [1, 'no colon here'], [1, ': empty name'], [1, 'x-empty:'], [1, 'bad name: v'],
    [1, 'Host: evil.test'], [1, `Host: 127.0.0.1:${rng.between(1, 65535)}`], [1, 'Transfer-Encoding: chunked'],
    [1, 'Content-Length: 5'], [1, 'Content-Length: abc'], [1, 'Connection: upgrade'], [1, 'Upgrade: websocket'],
    [1, 'Expect: 100-continue'], [1, 'Keep-Alive: timeout=1'], [1, 'Authorization: Bearer secret'], [1, 'Cookie: a=b'],
    [1, 'x-nul: a\u0000b'], [1, 'x-unicode: héllo ✓'], [allowLong ? 1 : 0, 'x-long: {long}'],
    [1, 'Accept-Encoding: gzip'], [1, '   '], [1, '\t:x'],
  ]).replace('{long}', () => 'v'.repeat(rng.between(1, 20000)));
}

export function headers(rng: Prng, sane = false): Uint8Array {
  if (sane) return encoder.encode(rng.pick(['', 'x-test:1', 'x-test:1\nContent-Type: text/plain', 'Accept-Encoding: gzip\n', 'Authorization: Bearer secret\nCookie: a=b']));
  const count = rng.weighted<number>([[6, rng.between(0, 4)], [1, rng.between(5, 60)], [1, rng.between(1000, 5000)]]);
  const separator = rng.weighted<string>([[8, '\n'], [1, '\r\n'], [1, '\n\n']]);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(headerLine(rng, count <= 60));
  const bytes = encoder.encode(lines.join(separator) + (rng.chance(0.3) ? separator : ''));
  return rng.chance(0.05) ? withBadUtf8(rng, bytes) : bytes;
}

export function body(rng: Prng): Uint8Array {
  const kind = rng.weighted<'none' | 'text' | 'random'>([[6, 'none'], [3, 'text'], [1, 'random']]);
  if (kind === 'none') return new Uint8Array(0);
  return kind === 'text' ? encoder.encode('the body') : rng.bytes(rng.between(1, 100_000));
}

export function headerName(rng: Prng): Uint8Array {
  const text = rng.pick(['x-reply', 'X-REPLY', 'content-length', 'set-cookie', 'x-name', 'location', 'missing', '', 'bad name', 'x-h199', 'transfer-encoding']);
  const bytes = encoder.encode(text);
  return rng.chance(0.08) ? withBadUtf8(rng, bytes) : bytes;
}
