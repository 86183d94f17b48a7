import { DEFAULT_HOST_IMAGE, DEFAULT_REDIS_HOST, parseControllerArgs, type ControllerOptions } from '../../operator/src/controller/config.js';

function options(argv: string[], env: NodeJS.ProcessEnv = {}): ControllerOptions {
  const parsed = parseControllerArgs(argv, env);
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.options;
}

function errorOf(fn: () => unknown): { code?: string; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected an error');
}

describe('parseControllerArgs', () => {
  it('has defaults for everything', () => {
    const o = options([]);
    expect(o.config).toEqual({ hostImage: DEFAULT_HOST_IMAGE, defaultRedis: { host: DEFAULT_REDIS_HOST }, namespaces: [] });
    expect(o.kubeconfig).toBeUndefined();
    expect(o.metricsAddr).toBe(':8080');
    expect(o.metricsPerAppLabel).toBe(false);
    expect(o.probeAddr).toBe(':8081');
    expect(o.leaderElection).toMatchObject({
      enabled: true,
      namespace: 'default',
      leaseName: 'wasi-operator-leader',
      leaseDurationSeconds: 15,
      renewDeadlineSeconds: 10,
      retryPeriodSeconds: 2,
    });
    expect(o.leaderElection.identity).not.toBe('');
    expect(o.concurrency).toBe(10);
    expect(o.logLevel).toBe('info');
  });

  it('reads flags in both --flag value and --flag=value forms, namespaces repeated or comma-separated', () => {
    const o = options([
      '--kubeconfig=/tmp/kc',
      '--namespace',
      'a',
      '--namespace=b,c',
      '--host-image',
      'registry.example/wasi-operator:1.2.3',
      '--default-redis-host=redis.data:6380',
      '--default-redis-password-secret',
      'redis-auth:password',
      '--default-redis-tls',
      '--metrics-addr=127.0.0.1:9090',
      '--probe-addr=0',
      '--no-leader-elect',
      '--leader-election-namespace=ops',
      '--concurrency=3',
      '--log-level=debug',
    ]);
    expect(o.kubeconfig).toBe('/tmp/kc');
    expect(o.config).toEqual({
      hostImage: 'registry.example/wasi-operator:1.2.3',
      defaultRedis: { host: 'redis.data:6380', passwordSecretRef: { name: 'redis-auth', key: 'password' }, enableTLS: true },
      namespaces: ['a', 'b', 'c'],
    });
    expect(o.metricsAddr).toBe('127.0.0.1:9090');
    expect(o.probeAddr).toBeUndefined();
    expect(o.leaderElection.enabled).toBe(false);
    expect(o.leaderElection.namespace).toBe('ops');
    expect(o.concurrency).toBe(3);
    expect(o.logLevel).toBe('debug');
  });

  it('takes the environment when no flag is given, and flags over the environment', () => {
    const env = {
      WASI_OPERATOR_HOST_IMAGE: 'env/image:1',
      WASI_OPERATOR_NAMESPACES: 'x,y',
      WASI_OPERATOR_DEFAULT_REDIS_HOST: 'env-redis:6379',
      WASI_OPERATOR_DEFAULT_REDIS_PASSWORD_SECRET: 's:k',
      WASI_OPERATOR_LEADER_ELECT: 'false',
      POD_NAMESPACE: 'operators',
      POD_NAME: 'wasi-operator-0',
      LOG_LEVEL: 'warn',
    };
    const fromEnv = options([], env);
    expect(fromEnv.config).toEqual({
      hostImage: 'env/image:1',
      defaultRedis: { host: 'env-redis:6379', passwordSecretRef: { name: 's', key: 'k' } },
      namespaces: ['x', 'y'],
    });
    expect(fromEnv.leaderElection).toMatchObject({ enabled: false, namespace: 'operators', identity: 'wasi-operator-0' });
    expect(fromEnv.logLevel).toBe('warn');
    const flagsWin = options(['--host-image=flag/image:2', '--leader-elect', '--namespace=z'], env);
    expect(flagsWin.config.hostImage).toBe('flag/image:2');
    expect(flagsWin.config.namespaces).toEqual(['z']);
    expect(flagsWin.leaderElection.enabled).toBe(true);
  });

  it('turns the per-app metrics label on by --metrics-per-app-label or its env var, the flag winning', () => {
    expect(options(['--metrics-per-app-label']).metricsPerAppLabel).toBe(true);
    expect(options([], { WASI_OPERATOR_METRICS_PER_APP_LABEL: 'true' }).metricsPerAppLabel).toBe(true);
    expect(options([], { WASI_OPERATOR_METRICS_PER_APP_LABEL: 'false' }).metricsPerAppLabel).toBe(false);
    expect(options(['--metrics-per-app-label=false'], { WASI_OPERATOR_METRICS_PER_APP_LABEL: 'true' }).metricsPerAppLabel).toBe(false);
    expect(errorOf(() => parseControllerArgs([], { WASI_OPERATOR_METRICS_PER_APP_LABEL: 'sometimes' })).message).toContain(
      'WASI_OPERATOR_METRICS_PER_APP_LABEL',
    );
  });

  it('reads default host resources as JSON, from the flag or the environment, and the Job deadline allowance', () => {
    const resources = { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '512Mi', 'ephemeral-storage': '256Mi' } };
    expect(options([`--host-resources=${JSON.stringify(resources)}`]).config.defaultHostResources).toEqual(resources);
    expect(options([], { WASI_OPERATOR_HOST_RESOURCES: '{"limits":{"cpu":1}}' }).config.defaultHostResources).toEqual({ limits: { cpu: '1' } });
    expect(options(['--job-deadline-allowance=30']).config.jobDeadlineAllowanceSeconds).toBe(30);
    expect(options(['--state-store-scopes=none', '--state-store-max-scopes=500']).config).toMatchObject({ stateStoreScopes: 'none', stateStoreMaxScopes: 500 });
    expect(options([], { WASI_OPERATOR_STATE_STORE_SCOPES: 'sharers' }).config.stateStoreScopes).toBe('sharers');
    expect(options([]).config.stateStoreScopes).toBeUndefined();
  });

  it('answers --help and -h', () => {
    expect(parseControllerArgs(['--help']).help).toBe(true);
    expect(parseControllerArgs(['-h']).help).toBe(true);
  });

  it('takes the last of a repeated flag (but every --namespace), and a value that starts with a dash', () => {
    const o = options(['--host-image', 'a', '--host-image=b', '--concurrency=2', '--concurrency', '3', '--leader-election-identity', '-replica-']);
    expect(o.config.hostImage).toBe('b');
    expect(o.concurrency).toBe(3);
    expect(o.leaderElection.identity).toBe('-replica-');
    expect(errorOf(() => parseControllerArgs(['--concurrency', '-1'])).message).toContain('--concurrency must be a positive integer, got "-1"');
  });

  it('reads switches as --NAME, --no-NAME and --NAME=true|false, the last one winning', () => {
    expect(options(['--leader-elect=false']).leaderElection.enabled).toBe(false);
    expect(options(['--no-leader-elect=false']).leaderElection.enabled).toBe(true);
    expect(options(['--no-leader-elect', '--leader-elect']).leaderElection.enabled).toBe(true);
    expect(options(['--leader-elect', '--no-leader-elect']).leaderElection.enabled).toBe(false);
    expect(options(['--default-redis-tls=false'], { WASI_OPERATOR_DEFAULT_REDIS_TLS: 'true' }).config.defaultRedis.enableTLS).toBe(false);
  });

  it.each([
    [['--bogus'], '--bogus'],
    [['--namespace'], 'needs a value'],
    [['--default-redis-password-secret=nokey'], 'NAME:KEY'],
    [['--concurrency=0'], 'positive integer'],
    [['--concurrency=1.5'], 'positive integer'],
    [['--lease-duration=5', '--renew-deadline=10'], '--lease-duration > --renew-deadline'],
    [['--log-level=loud'], 'log-level'],
    [['--metrics-per-app-label=yes'], '--metrics-per-app-label'],
    [['--host-resources=64Mi'], '--host-resources must be JSON'],
    [['--host-resources={"limit":{"memory":"1Gi"}}'], 'unknown key "limit"'],
    [['--host-resources={"limits":{"memory":"lots"}}'], 'limits.memory must be a quantity'],
    [['--job-deadline-allowance=-1'], '--job-deadline-allowance'],
    [['--state-store-scopes=some'], '--state-store-scopes must be sharers or none'],
    [['--state-store-max-scopes=1.5'], '--state-store-max-scopes must be a positive integer'],
    [['stray'], 'stray'],
    [['--no-concurrency'], 'unknown flag --no-concurrency'],
    [['--no-leader-elect=maybe'], '--no-leader-elect takes no value or =true/=false, got "maybe"'],
  ])('rejects %j with a message naming the problem', (argv, text) => {
    const err = errorOf(() => parseControllerArgs(argv as string[]));
    expect(err.code).toBe('ERR_INVALID_FLAG');
    expect(err.message).toContain(text);
  });
});
