// The `wasi-host run` command line of the host container, field by field.
import { describe, expect, test } from '@jest/globals';
import type { V1Container } from '@kubernetes/client-node';
import type { WasiAppSpec } from '../../operator/src/api/wasiapp.js';
import { buildHostPod } from '../helpers/host-pod.js';
import { operatorConfig, wasiApp } from '../helpers/wasiapp-fixtures.js';

function hostContainer(spec: Partial<WasiAppSpec>): V1Container {
  const container = buildHostPod(wasiApp({ spec }), operatorConfig()).spec?.containers[0];
  if (!container) throw new Error('no host container');
  return container;
}

function argsFor(spec: Partial<WasiAppSpec>): string[] {
  return hostContainer(spec).args ?? [];
}

describe('host command line', () => {
  test('runs wasi-host on the mounted module, with --dapr-shutdown by default', () => {
    const container = hostContainer({});
    expect(container.command).toEqual(['wasi-host']);
    expect(container.args).toEqual(['run', '/module/dapr-state-test.wasm', '--dapr-shutdown']);
  });

  test('omits --dapr-shutdown when Dapr is disabled', () => {
    expect(argsFor({ dapr: { enabled: false } })).toEqual(['run', '/module/dapr-state-test.wasm']);
  });

  test.each<[string, Partial<WasiAppSpec>, string[]]>([
    ['allowedHosts', { allowedHosts: ['https://api.example.com', 'https://*.example.org:8443'] }, ['--allowed-host=https://api.example.com', '--allowed-host=https://*.example.org:8443', '--allowed-host=http://127.0.0.1:3500']],
    ['maxConcurrentRequests', { maxConcurrentRequests: 4 }, ['--max-concurrent-requests=4']],
    ['timeoutSeconds', { timeoutSeconds: 30 }, ['--timeout=30']],
    ['maxMemoryMb', { maxMemoryMb: 64 }, ['--max-memory-mb=64']],
    ['successOutput', { successOutput: 'Test successfully!' }, ['--success-output=Test successfully!']],
    ['invoke', { invoke: 'get' }, ['--invoke=get']],
    ['env with a value', { env: [{ name: 'GREETING', value: 'a=b c' }] }, ['--env=GREETING=a=b c']],
    ['env with an empty value', { env: [{ name: 'EMPTY' }] }, ['--env=EMPTY=']],
  ])('passes %s as flags before the guest args', (_, spec, flags) => {
    const args = argsFor({ ...spec, args: ['guest-arg'] });
    expect(args.slice(3, 3 + flags.length)).toEqual(flags);
    expect(args.slice(-2)).toEqual(['--', 'guest-arg']);
  });

  test('keeps the sidecar allowed when the user lists other origins', () => {
    expect(argsFor({ allowedHosts: ['https://api.example.com'] })).toContain('--allowed-host=http://127.0.0.1:3500');
  });

  test('adds no sidecar origin when Dapr is disabled', () => {
    expect(argsFor({ allowedHosts: ['https://api.example.com'], dapr: { enabled: false } })).not.toContain('--allowed-host=http://127.0.0.1:3500');
  });

  test('does not repeat the sidecar origin the user already listed', () => {
    const args = argsFor({ allowedHosts: ['http://127.0.0.1:3500'] });
    expect(args.filter((arg) => arg === '--allowed-host=http://127.0.0.1:3500')).toHaveLength(1);
  });

  test('passes args after -- in order', () => {
    expect(argsFor({ args: ['--verbose', 'two words', ''] }).slice(-4)).toEqual(['--', '--verbose', 'two words', '']);
  });

  test('has no -- without args', () => {
    expect(argsFor({ args: [] })).not.toContain('--');
  });

  test('keeps a value that starts with a dash attached to its flag', () => {
    expect(argsFor({ successOutput: '--ok' })).toContain('--success-output=--ok');
  });

  test.each<[string, Partial<WasiAppSpec>, string]>([
    ['args', { args: ['$(HOME)'] }, '$$(HOME)'],
    ['env values', { env: [{ name: 'PRICE', value: '$5 $(X)' }] }, '--env=PRICE=$$5 $$(X)'],
    ['successOutput', { successOutput: 'cost: $(TOTAL)' }, '--success-output=cost: $$(TOTAL)'],
    ['allowedHosts', { allowedHosts: ['https://a$b.example.com'] }, '--allowed-host=https://a$$b.example.com'],
  ])('escapes $ in %s so Kubernetes passes the text unexpanded', (_, spec, expected) => {
    expect(argsFor(spec)).toContain(expected);
  });
});

describe('guest env with valueFrom', () => {
  const secretEnv = { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'tokens', key: 'api' } } };
  const fieldEnv = { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } };

  test('puts each valueFrom entry on the container env under a prefixed name', () => {
    expect(hostContainer({ env: [secretEnv, fieldEnv] }).env).toEqual([
      { name: 'WASI_GUEST_ENV_API_TOKEN', valueFrom: secretEnv.valueFrom },
      { name: 'WASI_GUEST_ENV_POD_NAME', valueFrom: fieldEnv.valueFrom },
    ]);
  });

  test('passes each valueFrom entry as an --env reference that Kubernetes expands', () => {
    expect(argsFor({ env: [secretEnv] })).toContain('--env=API_TOKEN=$(WASI_GUEST_ENV_API_TOKEN)');
  });

  test('keeps literal and valueFrom entries in spec order', () => {
    const envArgs = argsFor({ env: [{ name: 'A', value: '1' }, secretEnv, { name: 'B', value: '2' }] }).filter((a) => a.startsWith('--env='));
    expect(envArgs).toEqual(['--env=A=1', '--env=API_TOKEN=$(WASI_GUEST_ENV_API_TOKEN)', '--env=B=2']);
  });

  test('sets no container env when every entry has a value', () => {
    expect(hostContainer({ env: [{ name: 'A', value: '1' }] }).env).toBeUndefined();
  });
});
