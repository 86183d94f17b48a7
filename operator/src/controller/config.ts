// Flags and environment → the operator's configuration. Flags win over env,
// env over defaults. Pure: takes argv and env, never reads process state.
import type { V1ResourceRequirements } from '@kubernetes/client-node';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { OperatorConfig } from '../api/operator-config.js';
import type { SecretKeyRef } from '../api/wasiapp.js';
import { WasiOperatorError } from '../util/errors.js';
import { parseFlags, type FlagProblem } from '../util/flags.js';
import { LOG_LEVELS, type LogLevel } from '../util/logger.js';
import type { LeaderElectorOptions } from '../kube/leader-election.js';

export const DEFAULT_HOST_IMAGE = 'wasi-operator:latest';
export const DEFAULT_REDIS_HOST = 'redis-master:6379';
export const DEFAULT_LEASE_NAME = 'wasi-operator-leader';

export interface LeaderElectionOptions extends LeaderElectorOptions {
  enabled: boolean;
}

export interface ControllerOptions {
  config: OperatorConfig;
  /** Path of a kubeconfig; undefined means KUBECONFIG, ~/.kube/config, then in-cluster. */
  kubeconfig?: string;
  /** host:port for /metrics; undefined disables the listener. */
  metricsAddr?: string;
  /** An `app` label on the run metrics: one series per WasiApp, so off unless asked for. */
  metricsPerAppLabel: boolean;
  /** host:port for /healthz and /readyz; undefined disables the listener. */
  probeAddr?: string;
  leaderElection: LeaderElectionOptions;
  concurrency: number;
  /** How often every WasiApp is reconciled again without any event. */
  resyncPeriodSeconds: number;
  logLevel: LogLevel;
}

export const CONTROLLER_USAGE = `usage: wasi-operator controller [flags]

flags (environment variable in brackets):
  --kubeconfig PATH                     kubeconfig to use; default: $KUBECONFIG, ~/.kube/config, then in-cluster
  --namespace NS                        namespace to watch, repeatable or comma-separated [WASI_OPERATOR_NAMESPACES]; default: all
  --host-image IMAGE                    image that runs wasi-host [WASI_OPERATOR_HOST_IMAGE]; default: ${DEFAULT_HOST_IMAGE}
  --default-redis-host HOST:PORT        Redis for apps that name no state store [WASI_OPERATOR_DEFAULT_REDIS_HOST]; default: ${DEFAULT_REDIS_HOST}
  --default-redis-password-secret NAME:KEY  secret key holding that Redis's password [WASI_OPERATOR_DEFAULT_REDIS_PASSWORD_SECRET]
  --default-redis-tls                   connect to the default Redis with TLS [WASI_OPERATOR_DEFAULT_REDIS_TLS=true]
  --host-resources JSON                 requests and limits of the wasi-host container when a WasiApp sets no spec.resources,
                                        e.g. '{"requests":{"cpu":"10m","memory":"64Mi"},"limits":{"memory":"512Mi"}}'
                                        [WASI_OPERATOR_HOST_RESOURCES]; default: none
  --job-deadline-allowance SECONDS      added per attempt to spec.timeoutSeconds for a run Job's activeDeadlineSeconds; default: 300
  --state-store-scopes sharers|none     scopes of a shared state store Component: the sharers' app ids, or none (any Dapr app
                                        of the namespace may load it; no limit on sharers) [WASI_OPERATOR_STATE_STORE_SCOPES];
                                        default: sharers
  --state-store-max-scopes N            with sharers: the most app ids one Component lists; default: 20000
  --metrics-addr ADDR                   Prometheus /metrics listener, "0" disables [WASI_OPERATOR_METRICS_ADDR]; default: :8080
  --metrics-per-app-label               label run metrics by app too, one series per WasiApp [WASI_OPERATOR_METRICS_PER_APP_LABEL=true]; default: off
  --probe-addr ADDR                     /healthz and /readyz listener, "0" disables [WASI_OPERATOR_PROBE_ADDR]; default: :8081
  --leader-elect, --no-leader-elect     elect a leader on a Lease [WASI_OPERATOR_LEADER_ELECT]; default: on
  --leader-election-namespace NS        namespace of the Lease [POD_NAMESPACE]; default: default
  --leader-election-id NAME             name of the Lease; default: ${DEFAULT_LEASE_NAME}
  --leader-election-identity ID         this replica's identity [POD_NAME]; default: hostname_random
  --lease-duration SECONDS              default: 15
  --renew-deadline SECONDS              default: 10
  --retry-period SECONDS                default: 2
  --concurrency N                       reconciles in parallel [WASI_OPERATOR_CONCURRENCY]; default: 10
  --resync-period SECONDS               reconcile every app again this often; default: 300
  --log-level LEVEL                     trace, debug, info, warn, error [LOG_LEVEL]; default: info
  --help                                this text
`;

const FLAGS = {
  kubeconfig: { type: 'string' },
  // The one flag that adds up when repeated; every other one: the last wins.
  namespace: { type: 'string', multiple: true },
  'host-image': { type: 'string' },
  'host-resources': { type: 'string' },
  'job-deadline-allowance': { type: 'string' },
  'state-store-scopes': { type: 'string' },
  'state-store-max-scopes': { type: 'string' },
  'default-redis-host': { type: 'string' },
  'default-redis-password-secret': { type: 'string' },
  'metrics-addr': { type: 'string' },
  'probe-addr': { type: 'string' },
  'leader-election-namespace': { type: 'string' },
  'leader-election-id': { type: 'string' },
  'leader-election-identity': { type: 'string' },
  'lease-duration': { type: 'string' },
  'renew-deadline': { type: 'string' },
  'retry-period': { type: 'string' },
  concurrency: { type: 'string' },
  'resync-period': { type: 'string' },
  'log-level': { type: 'string' },
  // Switches: also --no-NAME and --NAME=true|false, as their environment variables take.
  'leader-elect': { type: 'boolean' },
  'default-redis-tls': { type: 'boolean' },
  'metrics-per-app-label': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type ParsedArgs = { help: true } | { help: false; options: ControllerOptions };

function invalid(message: string): WasiOperatorError {
  return new WasiOperatorError('ERR_INVALID_FLAG', message);
}

function flagError(problem: FlagProblem): WasiOperatorError {
  switch (problem.kind) {
    case 'unknown-flag':
      return invalid(`unknown flag ${problem.flag}; see --help`);
    case 'missing-value':
      return invalid(`${problem.flag} needs a value`);
    case 'unexpected-value':
      return invalid(`${problem.flag} takes no value or =true/=false, got "${problem.value}"`);
    case 'unexpected-argument':
      return invalid(`unexpected argument "${problem.value}"; flags start with --, see --help`);
    case 'other':
      return invalid(problem.message);
  }
}

export function parseSecretKeyRef(text: string, what: string): SecretKeyRef {
  const colon = text.indexOf(':');
  const name = text.slice(0, colon);
  const key = text.slice(colon + 1);
  if (colon <= 0 || key === '') throw invalid(`${what} must be NAME:KEY (a Secret name and a key in it), got "${text}"`);
  return { name, key };
}

function positiveNumber(text: string, what: string, integer = false): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw invalid(`${what} must be a positive ${integer ? 'integer' : 'number'}, got "${text}"`);
  }
  return value;
}

function envBoolean(text: string | undefined, what: string): boolean | undefined {
  if (text === undefined || text === '') return undefined;
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off)$/i.test(text)) return false;
  throw invalid(`${what} must be true or false, got "${text}"`);
}

/** "0" or "" switches a listener off; ":8080" listens on every interface. */
function listenAddr(text: string | undefined, fallback: string): string | undefined {
  const value = text ?? fallback;
  return value === '0' || value === '' ? undefined : value;
}

const QUANTITY = /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;

/** --host-resources: a ResourceRequirements as JSON, with only requests and limits of quantities. */
export function parseHostResources(text: string): V1ResourceRequirements {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid(`--host-resources must be JSON such as {"requests":{"memory":"64Mi"}}, got ${JSON.stringify(text)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('--host-resources must be a JSON object with requests and/or limits');
  const result: V1ResourceRequirements = {};
  for (const [key, map] of Object.entries(value)) {
    if (key !== 'requests' && key !== 'limits') throw invalid(`--host-resources: unknown key "${key}"; use requests and limits`);
    if (typeof map !== 'object' || map === null || Array.isArray(map)) throw invalid(`--host-resources: ${key} must be an object of quantities`);
    const quantities: Record<string, string> = {};
    for (const [resource, quantity] of Object.entries(map as Record<string, unknown>)) {
      const textValue = String(quantity);
      if ((typeof quantity !== 'string' && typeof quantity !== 'number') || !QUANTITY.test(textValue)) {
        throw invalid(`--host-resources: ${key}.${resource} must be a quantity such as 100m or 64Mi, got ${JSON.stringify(quantity)}`);
      }
      quantities[resource] = textValue;
    }
    result[key] = quantities;
  }
  return result;
}

export function defaultIdentity(): string {
  return `${hostname()}_${randomBytes(4).toString('hex')}`;
}

function isLogLevel(text: string): text is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(text);
}

export function parseControllerArgs(argv: string[], env: NodeJS.ProcessEnv = {}): ParsedArgs {
  const { values } = parseFlags(argv, { options: FLAGS, strict: true, allowNegative: true }, { fail: flagError, switchValues: true });
  if (values.help) return { help: true };

  const namespaceTexts = values.namespace ?? (env.WASI_OPERATOR_NAMESPACES ? [env.WASI_OPERATOR_NAMESPACES] : []);
  const namespaces = [...new Set(namespaceTexts.flatMap((t) => t.split(',')).map((n) => n.trim()).filter(Boolean))];

  const passwordText = values['default-redis-password-secret'] ?? (env.WASI_OPERATOR_DEFAULT_REDIS_PASSWORD_SECRET || undefined);
  const tls = values['default-redis-tls'] ?? envBoolean(env.WASI_OPERATOR_DEFAULT_REDIS_TLS, 'WASI_OPERATOR_DEFAULT_REDIS_TLS');
  const config: OperatorConfig = {
    hostImage: values['host-image'] ?? (env.WASI_OPERATOR_HOST_IMAGE || DEFAULT_HOST_IMAGE),
    defaultRedis: { host: values['default-redis-host'] ?? (env.WASI_OPERATOR_DEFAULT_REDIS_HOST || DEFAULT_REDIS_HOST) },
    namespaces,
  };
  const resourcesText = values['host-resources'] ?? (env.WASI_OPERATOR_HOST_RESOURCES || undefined);
  if (resourcesText) config.defaultHostResources = parseHostResources(resourcesText);
  const allowance = values['job-deadline-allowance'];
  if (allowance !== undefined) config.jobDeadlineAllowanceSeconds = positiveNumber(allowance, '--job-deadline-allowance', true);
  const scopes = values['state-store-scopes'] ?? (env.WASI_OPERATOR_STATE_STORE_SCOPES || undefined);
  if (scopes !== undefined) {
    if (scopes !== 'sharers' && scopes !== 'none') throw invalid(`--state-store-scopes must be sharers or none, got "${scopes}"`);
    config.stateStoreScopes = scopes;
  }
  const maxScopes = values['state-store-max-scopes'];
  if (maxScopes !== undefined) config.stateStoreMaxScopes = positiveNumber(maxScopes, '--state-store-max-scopes', true);
  if (passwordText) config.defaultRedis.passwordSecretRef = parseSecretKeyRef(passwordText, '--default-redis-password-secret');
  if (tls !== undefined) config.defaultRedis.enableTLS = tls;

  const leaderElect = values['leader-elect'] ?? envBoolean(env.WASI_OPERATOR_LEADER_ELECT, 'WASI_OPERATOR_LEADER_ELECT') ?? true;

  const leaseDurationSeconds = positiveNumber(values['lease-duration'] ?? '15', '--lease-duration');
  const renewDeadlineSeconds = positiveNumber(values['renew-deadline'] ?? '10', '--renew-deadline');
  const retryPeriodSeconds = positiveNumber(values['retry-period'] ?? '2', '--retry-period');
  if (!(leaseDurationSeconds > renewDeadlineSeconds && renewDeadlineSeconds > retryPeriodSeconds)) {
    throw invalid(
      `leader election needs --lease-duration > --renew-deadline > --retry-period, got ${leaseDurationSeconds} > ${renewDeadlineSeconds} > ${retryPeriodSeconds}`,
    );
  }

  const logLevel = values['log-level'] ?? (env.LOG_LEVEL || 'info');
  if (!isLogLevel(logLevel)) throw invalid(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);

  const metricsPerAppLabel =
    values['metrics-per-app-label'] ??
    envBoolean(env.WASI_OPERATOR_METRICS_PER_APP_LABEL, 'WASI_OPERATOR_METRICS_PER_APP_LABEL') ??
    false;

  const options: ControllerOptions = {
    config,
    metricsAddr: listenAddr(values['metrics-addr'] ?? env.WASI_OPERATOR_METRICS_ADDR, ':8080'),
    metricsPerAppLabel,
    probeAddr: listenAddr(values['probe-addr'] ?? env.WASI_OPERATOR_PROBE_ADDR, ':8081'),
    leaderElection: {
      enabled: leaderElect,
      namespace: values['leader-election-namespace'] ?? (env.POD_NAMESPACE || 'default'),
      leaseName: values['leader-election-id'] ?? DEFAULT_LEASE_NAME,
      identity: values['leader-election-identity'] ?? (env.POD_NAME || defaultIdentity()),
      leaseDurationSeconds,
      renewDeadlineSeconds,
      retryPeriodSeconds,
    },
    concurrency: positiveNumber(values.concurrency ?? (env.WASI_OPERATOR_CONCURRENCY || '10'), '--concurrency', true),
    resyncPeriodSeconds: positiveNumber(values['resync-period'] ?? '300', '--resync-period'),
    logLevel,
  };
  // KUBECONFIG itself (a path list) is read by KubeConfig.loadFromDefault.
  const kubeconfig = values.kubeconfig;
  if (kubeconfig) options.kubeconfig = kubeconfig;
  return { help: false, options };
}
