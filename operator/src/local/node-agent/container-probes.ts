// Readiness and liveness probes as the kubelet runs them: httpGet (any
// status from 200 to 399 passes; HTTPS without verifying the certificate) and
// tcpSocket (a connection passes), at the Pod's address (127.0.0.1 here) on
// the container port, or the local port it was moved to (listen-addresses.ts);
// initialDelaySeconds, periodSeconds, timeoutSeconds and the success and
// failure thresholds as written. exec and grpc probes would need the
// container's file system or a gRPC client: a Pod with one is refused.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { V1Container, V1Probe } from '@kubernetes/client-node';
import { WasiOperatorError } from '../../util/errors.js';

export type ProbeTarget = { kind: 'http'; url: string; headers: Record<string, string> } | { kind: 'tcp'; host: string; port: number };

const POD_ADDRESS = '127.0.0.1';
/** The API's defaults. */
const DEFAULT_PERIOD_SECONDS = 10;
const DEFAULT_TIMEOUT_SECONDS = 1;
const DEFAULT_FAILURE_THRESHOLD = 3;
/**
 * Until a readiness probe first passes, the agent probes this often rather
 * than every periodSeconds: the kubelet would leave a Pod unready for up to a
 * period (10 s by default) after it could serve, which only slows down
 * `helm install --wait` and tests here. Failures before the first success
 * change nothing (the container is not ready yet), so the thresholds still hold.
 */
const UNTIL_READY_PERIOD_MS = 250;

function configError(container: V1Container, problem: string): WasiOperatorError {
  return new WasiOperatorError('ERR_NODE_AGENT_CONTAINER_CONFIG', `container ${container.name}: ${problem}`);
}

/** A probe's port (a number or the name of one of the container's ports) as the local port to dial. Pure. */
function localPort(port: number | string, container: V1Container, ports: Map<number, number>): number {
  const numeric = typeof port === 'number' ? port : /^\d+$/.test(port) ? Number(port) : undefined;
  const containerPort = numeric ?? container.ports?.find((p) => p.name === port)?.containerPort;
  if (containerPort === undefined) throw configError(container, `probe port ${JSON.stringify(port)} is not a port of the container`);
  return ports.get(containerPort) ?? containerPort;
}

/** Where the probe goes on this machine. Pure. */
export function probeTarget(probe: V1Probe, container: V1Container, ports: Map<number, number>): ProbeTarget {
  if (probe.httpGet) {
    const { host, path, scheme, httpHeaders, port } = probe.httpGet;
    const origin = new URL(`${(scheme ?? 'HTTP').toLowerCase()}://${host || POD_ADDRESS}:${localPort(port, container, ports)}`).origin;
    // The path is sent as written, a query included, as the kubelet does.
    const rawPath = path || '/';
    const url = `${origin}${rawPath.startsWith('/') ? '' : '/'}${rawPath}`;
    return { kind: 'http', url, headers: Object.fromEntries((httpHeaders ?? []).map((h) => [h.name, h.value])) };
  }
  if (probe.tcpSocket) return { kind: 'tcp', host: probe.tcpSocket.host || POD_ADDRESS, port: localPort(probe.tcpSocket.port, container, ports) };
  throw configError(container, 'only httpGet and tcpSocket probes are supported by the local node agent (exec and grpc are not)');
}

export function probeOnce(target: ProbeTarget, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (target.kind === 'tcp') {
      const socket = connect({ host: target.host, port: target.port, timeout: timeoutMs });
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.once('connect', () => done(true));
      socket.once('timeout', () => done(false));
      socket.once('error', () => done(false));
      return;
    }
    const send = target.url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = send(target.url, { headers: { 'user-agent': 'wasi-node-agent/probe', ...target.headers }, timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status >= 200 && status < 400);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

/**
 * A probe's verdict from its results: it flips only after `successThreshold`
 * passes or `failureThreshold` failures in a row. Pure.
 */
export class ProbeVerdict {
  private passes = 0;
  private failures = 0;

  constructor(
    public state: boolean,
    private readonly successThreshold: number,
    private readonly failureThreshold: number,
  ) {}

  record(ok: boolean): boolean {
    if (ok) {
      this.failures = 0;
      this.passes++;
      if (!this.state && this.passes >= this.successThreshold) this.state = true;
    } else {
      this.passes = 0;
      this.failures++;
      if (this.state && this.failures >= this.failureThreshold) this.state = false;
    }
    return this.state;
  }
}

export interface ProbeWatch {
  stop(): void;
}

export interface WatchProbeOptions {
  probe: V1Probe;
  target: ProbeTarget;
  /** Readiness starts false (and probes fast until it passes); liveness starts true. */
  kind: 'readiness' | 'liveness';
  onChange(state: boolean): void;
}

/** Runs the probe until stop(), calling onChange whenever its verdict flips. */
export function watchProbe(options: WatchProbeOptions): ProbeWatch {
  const { probe, target, kind } = options;
  const verdict = new ProbeVerdict(kind === 'liveness', probe.successThreshold ?? 1, probe.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD);
  const periodMs = (probe.periodSeconds ?? DEFAULT_PERIOD_SECONDS) * 1000;
  const timeoutMs = (probe.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  let everPassed = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const tick = async (): Promise<void> => {
    const before = verdict.state;
    const ok = await probeOnce(target, timeoutMs);
    if (stopped) return;
    everPassed ||= ok;
    if (verdict.record(ok) !== before) options.onChange(verdict.state);
    if (stopped) return;
    const fast = kind === 'readiness' && !everPassed;
    timer = setTimeout(() => void tick(), fast ? Math.min(UNTIL_READY_PERIOD_MS, periodMs) : periodMs);
  };
  timer = setTimeout(() => void tick(), (probe.initialDelaySeconds ?? 0) * 1000);
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
