import { parseArgs } from '../../operator/src/host/parse-args.js';
import type { HostOptions } from '../../operator/src/host/host-options.js';

function optionsOf(argv: string[]): HostOptions {
  const parsed = parseArgs(argv);
  if (parsed.kind !== 'run') throw new Error('expected run');
  return parsed.options;
}

function usageErrorOf(argv: string[]): string {
  try {
    parseArgs(argv);
  } catch (err) {
    expect((err as { code?: string }).code).toBe('ERR_HOST_USAGE');
    return (err as Error).message;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

describe('wasi-host command line', () => {
  test('run FILE alone gets the defaults', () => {
    expect(optionsOf(['run', 'guest.wasm'])).toEqual({
      modulePath: 'guest.wasm',
      guestArgs: [],
      allowedHosts: [],
      maxConcurrentRequests: 16,
      env: {},
      timeoutSeconds: undefined,
      maxMemoryMb: undefined,
      successOutput: undefined,
      resultFile: undefined,
      daprShutdown: false,
      requestTimeoutSeconds: 30,
      maxResponseMb: 16,
      sidecarTimeoutSeconds: 60,
      invoke: undefined,
      dirs: [],
    });
  });

  test('--dir and --dir-ro take HOST_DIR[::GUEST_DIR], repeatable; one guest path per directory', () => {
    expect(optionsOf(['run', 'guest.wasm', '--dir', '/data::/work', '--dir-ro=/etc/app', '--dir', '/tmp/out']).dirs).toEqual([
      { hostPath: '/data', guestPath: '/work', readOnly: false },
      { hostPath: '/tmp/out', guestPath: '/tmp/out', readOnly: false },
      { hostPath: '/etc/app', guestPath: '/etc/app', readOnly: true },
    ]);
    expect(usageErrorOf(['run', 'guest.wasm', '--dir', '::/work'])).toContain('--dir needs HOST_DIR[::GUEST_DIR]');
    expect(usageErrorOf(['run', 'guest.wasm', '--dir', '/a::/x', '--dir-ro', '/b::/x'])).toContain('guest path /x');
  });

  test('--invoke names the export to call, once, and not empty', () => {
    expect(optionsOf(['run', 'guest.wasm', '--invoke', 'get']).invoke).toBe('get');
    expect(optionsOf(['run', 'guest.wasm', '--invoke=post']).invoke).toBe('post');
    expect(usageErrorOf(['run', 'guest.wasm', '--invoke='])).toContain('--invoke needs the name of an exported function');
    expect(usageErrorOf(['run', 'guest.wasm', '--invoke', 'a', '--invoke', 'b'])).toContain('--invoke given 2 times');
  });

  test('every flag, in both --flag value and --flag=value forms', () => {
    const options = optionsOf([
      'run', '--allowed-host', 'http://127.0.0.1:3500', '--allowed-host=https://*.example.com',
      '--max-concurrent-requests', '4', '--env', 'A=1', '--env=B=x=y', '--timeout', '2.5',
      '--max-memory-mb', '64', '--success-output', 'Test successfully!', '--result-file', '/tmp/r.json',
      '--dapr-shutdown', '--request-timeout=5', '--max-response-mb', '2', '--sidecar-timeout', '10', 'app.wasm',
    ]);
    expect(options).toMatchObject({
      modulePath: 'app.wasm',
      allowedHosts: ['http://127.0.0.1:3500', 'https://*.example.com'],
      maxConcurrentRequests: 4,
      env: { A: '1', B: 'x=y' },
      timeoutSeconds: 2.5,
      maxMemoryMb: 64,
      successOutput: 'Test successfully!',
      resultFile: '/tmp/r.json',
      daprShutdown: true,
      requestTimeoutSeconds: 5,
      maxResponseMb: 2,
      sidecarTimeoutSeconds: 10,
    });
  });

  test('a flag takes the next argument as its value even when it starts with a dash', () => {
    expect(optionsOf(['run', 'app.wasm', '--success-output', '-ok-']).successOutput).toBe('-ok-');
    expect(usageErrorOf(['run', 'app.wasm', '--env', '-X=1'])).toContain('--env needs NAME=VALUE');
    expect(usageErrorOf(['run', 'app.wasm', '--timeout', '-1'])).toContain('--timeout needs a positive number of seconds, got "-1"');
  });

  test('everything after -- goes to the guest untouched, flags included', () => {
    expect(optionsOf(['run', 'app.wasm', '--', 'statestore', '--timeout', '--', '-h']).guestArgs).toEqual(['statestore', '--timeout', '--', '-h']);
  });

  test.each([[['--help']], [['run', '-h']], [['run', 'app.wasm', '--help']]])('%j asks for help', (argv) => {
    expect(parseArgs(argv).kind).toBe('help');
  });

  test('--help after -- belongs to the guest', () => {
    expect(parseArgs(['run', 'app.wasm', '--', '--help']).kind).toBe('run');
  });

  test.each([
    [[], 'missing command'],
    [['start', 'app.wasm'], 'unknown command "start"'],
    [['run'], 'missing FILE'],
    [['run', 'a.wasm', 'b.wasm'], 'put guest arguments after --'],
    [['run', 'app.wasm', '--frobnicate'], 'unknown flag --frobnicate'],
    [['run', 'app.wasm', '--timeout'], '--timeout needs a value'],
    [['run', 'app.wasm', '--timeout', '0'], '--timeout needs a positive number'],
    [['run', 'app.wasm', '--timeout', 'soon'], '--timeout needs a positive number'],
    [['run', 'app.wasm', '--max-memory-mb', '1.5'], '--max-memory-mb needs a whole number'],
    [['run', 'app.wasm', '--max-memory-mb', '5000'], 'from 1 to 4096'],
    [['run', 'app.wasm', '--max-concurrent-requests', '0'], '--max-concurrent-requests needs a whole number'],
    [['run', 'app.wasm', '--env', 'NOVALUE'], '--env needs NAME=VALUE'],
    [['run', 'app.wasm', '--env', '1A=x'], '--env needs NAME=VALUE'],
    [['run', 'app.wasm', '--allowed-host', 'localhost:3500'], 'localhost:3500'],
    [['run', 'app.wasm', '--timeout', '1', '--timeout', '2'], '--timeout given 2 times'],
    [['run', 'app.wasm', '--dapr-shutdown=yes'], '--dapr-shutdown takes no value'],
    [['run', 'app.wasm', '--success-output', ''], '--success-output needs a non-empty text'],
  ])('%j is a usage error saying %s', (argv, expected) => {
    expect(usageErrorOf(argv)).toContain(expected);
  });
});
