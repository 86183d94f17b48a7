import { sidecarFromEnv, sidecarGuestEnv } from '../../operator/src/host/sidecar-endpoint.js';

describe('sidecar from the host environment', () => {
  test('no Dapr variables means no sidecar', () => {
    expect(sidecarFromEnv({})).toBeUndefined();
  });

  test('DAPR_HTTP_PORT (what the injector sets) means 127.0.0.1 on that port', () => {
    expect(sidecarFromEnv({ DAPR_HTTP_PORT: '3500' })).toEqual({ origin: 'http://127.0.0.1:3500', port: '3500' });
  });

  test('DAPR_HTTP_ENDPOINT wins over DAPR_HTTP_PORT', () => {
    expect(sidecarFromEnv({ DAPR_HTTP_ENDPOINT: 'http://localhost:3600', DAPR_HTTP_PORT: '3500' })).toEqual({ origin: 'http://localhost:3600', port: '3600' });
  });

  test('an endpoint without a port uses the scheme default', () => {
    expect(sidecarFromEnv({ DAPR_HTTP_ENDPOINT: 'https://dapr.example.com' })).toEqual({ origin: 'https://dapr.example.com', port: '443' });
  });

  test('the guest is told both variables', () => {
    expect(sidecarGuestEnv({ origin: 'http://127.0.0.1:3500', port: '3500' })).toEqual({
      DAPR_HTTP_PORT: '3500',
      DAPR_HTTP_ENDPOINT: 'http://127.0.0.1:3500',
    });
  });

  test.each([
    [{ DAPR_HTTP_PORT: 'abc' }, 'DAPR_HTTP_PORT="abc"'],
    [{ DAPR_HTTP_PORT: '70000' }, 'DAPR_HTTP_PORT="70000"'],
    [{ DAPR_HTTP_ENDPOINT: 'not a url' }, 'DAPR_HTTP_ENDPOINT="not a url"'],
    [{ DAPR_HTTP_ENDPOINT: 'ftp://x' }, 'must be an http:// or https:// URL'],
  ])('%j is an error saying %s', (env, expected) => {
    expect(() => sidecarFromEnv(env)).toThrow(expect.objectContaining({ code: 'ERR_HOST_SIDECAR_ENDPOINT', message: expect.stringContaining(expected) }));
  });
});
