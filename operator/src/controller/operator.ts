// startOperator: the whole operator in one process (probes, metrics, leader
// election, controller). The CLI wraps it; tests run it in-process.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { OperatorConfig } from '../api/operator-config.js';
import { createLogger, type LogLevel } from '../util/logger.js';
import { DEFAULT_LEASE_NAME, defaultIdentity, type LeaderElectionOptions } from './config.js';
import { Controller } from './controller.js';
import { EventRecorder } from '../kube/events.js';
import { startHttpServer, type HttpServer } from './http-server.js';
import { eventSink, leaseApi, makeKubeClients } from '../kube/requests.js';
import { LeaderElector } from '../kube/leader-election.js';
import { METRICS_CONTENT_TYPE, OperatorMetrics } from './metrics.js';

export interface StartOperatorOptions {
  config: OperatorConfig;
  /** A ready KubeConfig (tests); else `kubeconfigPath`; else KUBECONFIG, ~/.kube/config, in-cluster. */
  kubeConfig?: KubeConfig;
  kubeconfigPath?: string;
  /** Leader election; on unless `enabled: false`. Missing fields take the CLI defaults. */
  leaderElection?: Partial<LeaderElectionOptions>;
  /** Parallel reconciles (default 10). */
  concurrency?: number;
  /** Every app is reconciled again this often without an event (default 300 s). */
  resyncPeriodSeconds?: number;
  /** "host:port" listeners; undefined: not started. Port 0 picks a free port (see `metricsPort`, `probePort`). */
  metricsAddr?: string;
  probeAddr?: string;
  /** An `app` label on the run metrics (see OperatorMetricsOptions); default off. */
  metricsPerAppLabel?: boolean;
  /** The operator's logger; else one of util/logger.ts at `logLevel` (default info) on stdout. */
  logger?: Logger;
  logLevel?: LogLevel;
  /** Called once if this replica loses the Lease after having led; the CLI exits then. */
  onLeadershipLost?: () => void;
  /** Backoff of failed reconciles (default 50 ms doubling to 5 min). */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
}

export interface RunningOperator {
  readonly identity: string;
  readonly metrics: OperatorMetrics;
  readonly metricsPort: number | undefined;
  readonly probePort: number | undefined;
  /** Whether this replica leads now (always true without leader election). */
  isLeader(): boolean;
  /** The /readyz answer: caches synced and the API server reachable while leading, or standing by. */
  isReady(): boolean;
  /** Stops reconciling (in-flight reconciles finish), releases the Lease, closes listeners. Idempotent. */
  stop(): Promise<void>;
}

export async function startOperator(options: StartOperatorOptions): Promise<RunningOperator> {
  const election: LeaderElectionOptions = {
    enabled: options.leaderElection?.enabled ?? true,
    namespace: options.leaderElection?.namespace ?? 'default',
    leaseName: options.leaderElection?.leaseName ?? DEFAULT_LEASE_NAME,
    identity: options.leaderElection?.identity ?? defaultIdentity(),
    leaseDurationSeconds: options.leaderElection?.leaseDurationSeconds ?? 15,
    renewDeadlineSeconds: options.leaderElection?.renewDeadlineSeconds ?? 10,
    retryPeriodSeconds: options.leaderElection?.retryPeriodSeconds ?? 2,
  };
  const log = (options.logger ?? createLogger({ name: 'wasi-operator', level: options.logLevel })).child({ identity: election.identity });
  const clients = await makeKubeClients(options);
  log.info({ apiServer: clients.api.access.server, credentials: clients.api.access.source }, 'connecting to the API server');
  const metrics = new OperatorMetrics({ perAppLabel: options.metricsPerAppLabel ?? false });
  // Events wait while new apps wait for their Pods (see kube/events.ts).
  const events: EventRecorder = new EventRecorder(eventSink(clients), {
    instance: election.identity,
    log,
    holdWhile: (): boolean => controller.startingRuns,
    onDropped: () => metrics.countEventDropped(),
  });
  metrics.readEventsWaitingFrom(() => events.waiting);
  const controller: Controller = new Controller({
    config: options.config,
    clients,
    events,
    metrics,
    log,
    concurrency: options.concurrency ?? 10,
    resyncPeriodMs: (options.resyncPeriodSeconds ?? 300) * 1000,
    baseDelayMs: options.retryBaseDelayMs,
    maxDelayMs: options.retryMaxDelayMs,
  });

  let leading = !election.enabled;
  let lostLeadership = false;
  const startController = (): void => {
    controller.start().catch((err: unknown) => log.error({ err }, 'controller failed to start'));
  };

  const elector = election.enabled
    ? new LeaderElector(
        leaseApi(clients),
        election,
        {
          onStartedLeading: () => {
            leading = true;
            metrics.setLeader(true);
            startController();
          },
          onStoppedLeading: () => {
            leading = false;
            lostLeadership = true;
            metrics.setLeader(false);
            void controller.stop();
            options.onLeadershipLost?.();
          },
        },
        log,
      )
    : undefined;

  // A leader is ready once its caches are synced, and not while an informer cannot reach the API server.
  const isReady = (): boolean => (leading ? controller.synced && controller.reachable : !lostLeadership);
  const servers: HttpServer[] = [];
  let metricsServer: HttpServer | undefined;
  let probeServer: HttpServer | undefined;
  try {
    const metricsRoute = async () => ({ status: 200, body: await metrics.render(), contentType: METRICS_CONTENT_TYPE });
    const probeRoutes = {
      '/healthz': () => ({ status: 200, body: 'ok\n' }),
      '/readyz': () => (isReady() ? { status: 200, body: 'ok\n' } : { status: 503, body: 'not ready\n' }),
    };
    if (options.metricsAddr !== undefined && options.metricsAddr === options.probeAddr) {
      metricsServer = probeServer = await startHttpServer(options.metricsAddr, { '/metrics': metricsRoute, ...probeRoutes });
      servers.push(metricsServer);
    } else {
      if (options.metricsAddr !== undefined) {
        metricsServer = await startHttpServer(options.metricsAddr, { '/metrics': metricsRoute });
        servers.push(metricsServer);
      }
      if (options.probeAddr !== undefined) {
        probeServer = await startHttpServer(options.probeAddr, probeRoutes);
        servers.push(probeServer);
      }
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    await clients.api.close();
    throw err;
  }

  if (elector) {
    log.info({ lease: `${election.namespace}/${election.leaseName}` }, 'waiting for leadership');
    elector.start();
  } else {
    metrics.setLeader(true);
    await controller.start();
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      log.info('shutting down');
      // The Lease stays renewed while in-flight reconciles finish, then goes back.
      await controller.stop();
      await elector?.stop();
      leading = false;
      metrics.setLeader(false);
      await events.flush();
      await Promise.all(servers.map((s) => s.close()));
      await clients.api.close();
      log.info('shut down');
    })();
    return stopping;
  };

  return {
    identity: election.identity,
    metrics,
    metricsPort: metricsServer?.port,
    probePort: probeServer?.port,
    isLeader: () => leading,
    isReady,
    stop,
  };
}
