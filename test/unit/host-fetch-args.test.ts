// `wasi-host fetch URL SHA256 DEST`: the URL rule (the CRD's, applied again
// before any request) and every argument mistake, each a usage error.
import { describe, expect, test } from '@jest/globals';
import { FETCH_DEFAULTS, fetchUrlProblem, isLoopbackHost, parseFetchArgs, type FetchOptions } from '../../operator/src/host/fetch-args.js';
import { buildHostPod } from '../helpers/host-pod.js';
import { operatorConfig, wasiApp } from '../helpers/wasiapp-fixtures.js';

const SHA = 'ab'.repeat(32);

function optionsOf(argv: string[]): FetchOptions {
  const parsed = parseFetchArgs(argv);
  if (parsed.kind !== 'fetch') throw new Error('expected fetch');
  return parsed.options;
}

function usageErrorOf(argv: string[]): string {
  try {
    parseFetchArgs(argv);
  } catch (err) {
    expect((err as { code?: string }).code).toBe('ERR_HOST_USAGE');
    return (err as Error).message;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

describe('the fetch URL rule', () => {
  test.each([
    'https://example.com/app.wasm',
    'https://example.com:8443/guests/app.wasm?v=2',
    'HTTPS://EXAMPLE.COM/app.wasm',
    'http://127.0.0.1:8080/app.wasm',
    'http://127.255.0.9/app.wasm',
    'http://localhost/app.wasm',
    'http://LocalHost:3000/app.wasm',
    'http://[::1]:8080/app.wasm',
    'http://[0:0:0:0:0:0:0:1]/app.wasm',
  ])('%s is allowed', (url) => {
    expect(fetchUrlProblem(new URL(url))).toBeUndefined();
  });

  test.each([
    ['http://example.com/app.wasm', 'not example.com'],
    ['http://10.0.0.5/app.wasm', 'not 10.0.0.5'],
    ['http://128.0.0.1/app.wasm', 'loopback'],
    ['http://localhost.example.com/app.wasm', 'loopback'],
    ['http://127.0.0.1.nip.io/app.wasm', 'loopback'],
    ['http://[::2]/app.wasm', 'loopback'],
    ['http://0.0.0.0/app.wasm', 'loopback'],
    ['ftp://example.com/app.wasm', 'not ftp'],
    ['file:///module/app.wasm', 'not file'],
  ])('%s is refused (%s)', (url, expected) => {
    expect(fetchUrlProblem(new URL(url))).toContain(expected);
  });

  test('loopback hosts are those of the CRD: localhost, 127.0.0.0/8, [::1]', () => {
    expect(['localhost', '127.0.0.1', '127.1.2.3', '[::1]'].every(isLoopbackHost)).toBe(true);
    expect(['localhost.', '[::ffff:127.0.0.1]', '10.0.0.1', 'example.com'].some(isLoopbackHost)).toBe(false);
  });
});

describe('wasi-host fetch arguments', () => {
  test('URL SHA256 DEST with the defaults', () => {
    const options = optionsOf(['https://example.com/app.wasm', SHA, '/module/app.wasm']);
    expect(options).toEqual({
      url: new URL('https://example.com/app.wasm'),
      sha256: SHA,
      destination: '/module/app.wasm',
      timeoutSeconds: FETCH_DEFAULTS.timeoutSeconds,
      maxBytes: FETCH_DEFAULTS.maxMb * 1024 * 1024,
    });
  });

  test('SHA256 is case-insensitive and kept lower-case', () => {
    expect(optionsOf(['https://example.com/app.wasm', SHA.toUpperCase(), 'app.wasm']).sha256).toBe(SHA);
  });

  test('--timeout and --max-mb, before or after the positionals, with or without =', () => {
    const options = optionsOf(['--timeout', '2.5', 'https://example.com/app.wasm', SHA, 'app.wasm', '--max-mb=3']);
    expect(options.timeoutSeconds).toBe(2.5);
    expect(options.maxBytes).toBe(3 * 1024 * 1024);
  });

  test('--help anywhere asks for help', () => {
    expect(parseFetchArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseFetchArgs(['https://example.com/app.wasm', '-h'])).toEqual({ kind: 'help' });
  });

  test('the argv the Pod builder gives the fetch-module init container parses to its URL, digest and path', () => {
    const url = 'https://example.com/guests/app.wasm?token=a$b';
    const pod = buildHostPod(wasiApp({ spec: { module: { url, sha256: SHA.toUpperCase() } } }), operatorConfig());
    const init = pod.spec!.initContainers!.find((container) => container.name === 'fetch-module')!;
    const [command, ...rest] = init.args!;
    expect(command).toBe('fetch');
    // Kubernetes reduces `$$` to `$` before the container sees its args.
    const options = optionsOf(rest.map((arg) => arg.split('$$').join('$')));
    expect(options.url.href).toBe(url);
    expect(options.sha256).toBe(SHA);
    expect(options.destination).toBe('/module/app.wasm');
  });

  test.each([
    [[], 'missing URL SHA256 DEST'],
    [['https://example.com/app.wasm'], 'missing SHA256 DEST'],
    [['https://example.com/app.wasm', SHA], 'missing DEST'],
    [['https://example.com/app.wasm', SHA, 'a.wasm', 'b.wasm'], 'expected URL SHA256 DEST, got 4 arguments'],
    [['example.com/app.wasm', SHA, 'app.wasm'], 'is not an absolute URL'],
    [['http://example.com/app.wasm', SHA, 'app.wasm'], 'http is allowed only for a loopback host'],
    [['ftp://example.com/app.wasm', SHA, 'app.wasm'], 'the scheme must be https'],
    [['https://user:pw@example.com/app.wasm', SHA, 'app.wasm'], 'carries credentials'],
    [['https://example.com/app.wasm', 'abc', 'app.wasm'], 'SHA256 must be 64 hexadecimal characters'],
    [['https://example.com/app.wasm', 'g'.repeat(64), 'app.wasm'], 'SHA256 must be 64 hexadecimal characters'],
    [['https://example.com/app.wasm', `${SHA}0`, 'app.wasm'], 'SHA256 must be 64 hexadecimal characters'],
    [['https://example.com/app.wasm', SHA, ''], 'DEST needs a file path'],
    [['https://example.com/app.wasm', SHA, 'app.wasm', '--timeout', '0'], '--timeout needs a positive number of seconds'],
    [['https://example.com/app.wasm', SHA, 'app.wasm', '--timeout'], '--timeout needs a value'],
    [['https://example.com/app.wasm', SHA, 'app.wasm', '--timeout', '-1'], '--timeout needs a positive number of seconds, got "-1"'],
    [['https://example.com/app.wasm', SHA, 'app.wasm', '--max-mb', '0'], '--max-mb needs a whole number from 1 to 4096'],
    [['https://example.com/app.wasm', SHA, 'app.wasm', '--max-mb', '1.5'], '--max-mb needs a whole number'],
    [['https://example.com/app.wasm', SHA, 'app.wasm', '--max-mb=1', '--max-mb=2'], '--max-mb given twice'],
    [['https://example.com/app.wasm', SHA, 'app.wasm', '--allowed-host', 'x'], 'unknown flag --allowed-host for fetch'],
  ])('%j is a usage error saying %s', (argv, expected) => {
    expect(usageErrorOf(argv)).toContain(expected);
  });
});
