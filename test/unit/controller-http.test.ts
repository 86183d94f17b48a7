import { startHttpServer, parseListenAddr } from '../../operator/src/controller/http-server.js';
import { METRICS_CONTENT_TYPE, OperatorMetrics } from '../../operator/src/controller/metrics.js';

describe('startHttpServer', () => {
  it('serves the routes it is given and 404 for others', async () => {
    let ready = false;
    const server = await startHttpServer('127.0.0.1:0', {
      '/readyz': () => (ready ? { status: 200, body: 'ok\n' } : { status: 503, body: 'not ready\n' }),
    });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
      ready = true;
      const res = await fetch(`${base}/readyz`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('ok\n');
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('serves a route that answers asynchronously, as /metrics does, with its content type', async () => {
    const metrics = new OperatorMetrics();
    metrics.setLeader(true);
    const server = await startHttpServer('127.0.0.1:0', {
      '/metrics': async () => ({ status: 200, body: await metrics.render(), contentType: METRICS_CONTENT_TYPE }),
    });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(await res.text()).toContain('\nwasi_operator_leader 1\n');
    } finally {
      await server.close();
    }
  });

  it('answers 500 when a route fails, instead of leaving the request hanging', async () => {
    const server = await startHttpServer('127.0.0.1:0', {
      '/metrics': () => Promise.reject(new Error('collector broke')),
    });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(res.status).toBe(500);
      expect(await res.text()).toContain('collector broke');
    } finally {
      await server.close();
    }
  });

  it('parses listen addresses', () => {
    expect(parseListenAddr(':8080')).toEqual({ host: undefined, port: 8080 });
    expect(parseListenAddr('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListenAddr('[::1]:9')).toEqual({ host: '::1', port: 9 });
    expect(() => parseListenAddr('localhost:http')).toThrow('[HOST]:PORT');
  });
});
