import { startHttpServer, parseListenAddr } from '../../operator/src/controller/http-server.js';
import { OperatorMetrics } from '../../operator/src/controller/metrics.js';

describe('OperatorMetrics', () => {
  it('renders reconcile counts, the duration histogram, queue depth and the leader gauge', () => {
    const metrics = new OperatorMetrics();
    metrics.observeReconcile('success', 0.02);
    metrics.observeReconcile('error', 3);
    metrics.setQueueDepth(7);
    metrics.setLeader(true);
    const text = metrics.render();
    expect(text).toContain('wasi_operator_reconcile_total{result="success"} 1');
    expect(text).toContain('wasi_operator_reconcile_total{result="error"} 1');
    expect(text).toContain('wasi_operator_reconcile_errors_total 1');
    expect(text).toContain('wasi_operator_reconcile_duration_seconds_bucket{le="0.025"} 1');
    expect(text).toContain('wasi_operator_reconcile_duration_seconds_bucket{le="5"} 2');
    expect(text).toContain('wasi_operator_reconcile_duration_seconds_bucket{le="+Inf"} 2');
    expect(text).toContain('wasi_operator_reconcile_duration_seconds_count 2');
    expect(text).toContain('wasi_operator_workqueue_depth 7');
    expect(text).toContain('wasi_operator_leader 1');
    expect(text).toContain('# TYPE wasi_operator_reconcile_duration_seconds histogram');
  });
});

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

  it('parses listen addresses', () => {
    expect(parseListenAddr(':8080')).toEqual({ host: undefined, port: 8080 });
    expect(parseListenAddr('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListenAddr('[::1]:9')).toEqual({ host: '::1', port: 9 });
    expect(() => parseListenAddr('localhost:http')).toThrow('[HOST]:PORT');
  });
});
