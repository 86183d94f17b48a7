import { isAllowed, parseAllowList } from '../../operator/src/host/allow-list.js';

const allowed = (entries: string[], url: string) => isAllowed(parseAllowList(entries), new URL(url));

describe('allow-list', () => {
  test.each([
    ['http://127.0.0.1:3500', 'http://127.0.0.1:3500/v1.0/state/statestore', true],
    ['http://127.0.0.1:3500', 'http://127.0.0.1:3501/v1.0/state/statestore', false],
    ['http://127.0.0.1:3500', 'http://localhost:3500/', false],
    ['http://127.0.0.1:3500', 'https://127.0.0.1:3500/', false],
    ['https://example.com', 'https://example.com:443/path?q=1', true],
    ['https://example.com', 'https://example.com:8443/', false],
    ['https://example.com', 'http://example.com/', false],
    ['https://example.com/', 'https://EXAMPLE.com/x', true],
    ['https://example.com', 'https://api.example.com/', false],
  ])('origin entry %s: %s → %s', (entry, url, expected) => {
    expect(allowed([entry], url)).toBe(expected);
  });

  test.each([
    ['https://api.example.com/', true],
    ['https://a.b.example.com/', true],
    ['https://example.com/', false],
    ['https://evilexample.com/', false],
    ['http://api.example.com/', false],
    ['https://api.example.com:8443/', false],
  ])('wildcard https://*.example.com: %s → %s', (url, expected) => {
    expect(allowed(['https://*.example.com'], url)).toBe(expected);
  });

  test('a wildcard entry with a port matches only that port', () => {
    expect(allowed(['https://*.example.com:8443'], 'https://api.example.com:8443/')).toBe(true);
    expect(allowed(['https://*.example.com:8443'], 'https://api.example.com/')).toBe(false);
  });

  test('insecure:allow-all allows any origin', () => {
    expect(allowed(['insecure:allow-all'], 'http://10.1.2.3:9999/anything')).toBe(true);
  });

  test('an empty list allows nothing', () => {
    expect(allowed([], 'http://127.0.0.1:3500/')).toBe(false);
  });

  test('any matching entry allows', () => {
    expect(allowed(['http://127.0.0.1:3500', 'http://127.0.0.1:8080'], 'http://127.0.0.1:8080/')).toBe(true);
  });

  test.each([
    ['127.0.0.1:3500'],
    ['ftp://example.com'],
    ['http://example.com/path'],
    ['http://user:pw@example.com'],
    ['http://example.com?x=1'],
    ['https://api.*.example.com'],
    ['not a url'],
  ])('rejects %s with a usage error that names it', (entry) => {
    expect(() => parseAllowList([entry])).toThrow(expect.objectContaining({ code: 'ERR_HOST_USAGE', message: expect.stringContaining(entry) }));
  });
});
