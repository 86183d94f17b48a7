// `wasi-host` command line → HostOptions. Every mistake is a usage error that
// names the flag and says what a valid value looks like.
import { parseAllowList } from './allow-list.js';
import { usageError } from './host-errors.js';
import { DEFAULTS, type HostOptions } from './host-options.js';
import { parseDirFlag, wasiPreopens } from './preopens.js';

export type ParsedCommand = { kind: 'help' } | { kind: 'run'; options: HostOptions };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BOOLEAN_FLAGS = new Set(['--dapr-shutdown']);
const VALUE_FLAGS = new Set([
  '--allowed-host', '--max-concurrent-requests', '--env', '--timeout', '--max-memory-mb',
  '--success-output', '--result-file', '--request-timeout', '--max-response-mb', '--sidecar-timeout',
  '--invoke', '--dir', '--dir-ro',
]);

function positiveNumber(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw usageError(`${flag} needs a positive number of seconds, got "${text}"`);
  }
  return value;
}

function integerIn(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw usageError(`${flag} needs a whole number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

export function parseArgs(argv: readonly string[]): ParsedCommand {
  const separator = argv.indexOf('--');
  const own = separator < 0 ? argv : argv.slice(0, separator);
  const guestArgs = separator < 0 ? [] : argv.slice(separator + 1);
  if (own.includes('--help') || own.includes('-h')) return { kind: 'help' };
  const [command, ...rest] = own;
  if (command !== 'run') {
    throw usageError(command === undefined ? 'missing command; use: wasi-host run FILE' : `unknown command "${command}"; use: wasi-host run FILE`);
  }

  const positional: string[] = [];
  const values = new Map<string, string[]>();
  const booleans = new Set<string>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    if (BOOLEAN_FLAGS.has(flag)) {
      if (eq >= 0) throw usageError(`${flag} takes no value`);
      booleans.add(flag);
      continue;
    }
    if (!VALUE_FLAGS.has(flag)) throw usageError(`unknown flag ${flag}; see wasi-host --help`);
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (i + 1 < rest.length) value = rest[++i]!;
    else throw usageError(`${flag} needs a value`);
    values.set(flag, [...(values.get(flag) ?? []), value]);
  }

  if (positional.length !== 1) {
    throw usageError(positional.length === 0 ? 'missing FILE: the .wasm module to run' : `expected one FILE, got ${positional.length}: ${positional.join(' ')}; put guest arguments after --`);
  }
  const single = (flag: string): string | undefined => {
    const all = values.get(flag);
    if (all && all.length > 1) throw usageError(`${flag} given ${all.length} times; give it once`);
    return all?.[0];
  };

  const env: Record<string, string> = {};
  for (const entry of values.get('--env') ?? []) {
    const eq = entry.indexOf('=');
    const name = eq < 0 ? entry : entry.slice(0, eq);
    if (eq < 0 || !ENV_NAME.test(name)) throw usageError(`--env needs NAME=VALUE with NAME made of letters, digits and _, got "${entry}"`);
    env[name] = entry.slice(eq + 1);
  }

  const allowedHosts = values.get('--allowed-host') ?? [];
  parseAllowList(allowedHosts); // fail on a bad entry now, not at the first request

  const timeout = single('--timeout');
  const maxMemory = single('--max-memory-mb');
  const concurrent = single('--max-concurrent-requests');
  const requestTimeout = single('--request-timeout');
  const maxResponse = single('--max-response-mb');
  const sidecarTimeout = single('--sidecar-timeout');
  const successOutput = single('--success-output');
  if (successOutput === '') throw usageError('--success-output needs a non-empty text');
  const resultFile = single('--result-file');
  if (resultFile === '') throw usageError('--result-file needs a path');
  // node:wasi numbers the preopens 3, 4, … in this array's order, and so does the read-only rule (preopens.ts).
  const dirs = [
    ...(values.get('--dir') ?? []).map((text) => parseDirFlag('--dir', text)),
    ...(values.get('--dir-ro') ?? []).map((text) => parseDirFlag('--dir-ro', text)),
  ];
  wasiPreopens(dirs); // fail on two directories with one guest path now
  const invoke = single('--invoke');
  if (invoke === '') throw usageError('--invoke needs the name of an exported function');

  return {
    kind: 'run',
    options: {
      modulePath: positional[0]!,
      guestArgs,
      allowedHosts,
      maxConcurrentRequests: concurrent === undefined ? DEFAULTS.maxConcurrentRequests : integerIn('--max-concurrent-requests', concurrent, 1, 65535),
      env,
      timeoutSeconds: timeout === undefined ? undefined : positiveNumber('--timeout', timeout),
      maxMemoryMb: maxMemory === undefined ? undefined : integerIn('--max-memory-mb', maxMemory, 1, 4096),
      successOutput,
      resultFile,
      daprShutdown: booleans.has('--dapr-shutdown'),
      requestTimeoutSeconds: requestTimeout === undefined ? DEFAULTS.requestTimeoutSeconds : positiveNumber('--request-timeout', requestTimeout),
      maxResponseMb: maxResponse === undefined ? DEFAULTS.maxResponseMb : integerIn('--max-response-mb', maxResponse, 1, 1024),
      sidecarTimeoutSeconds: sidecarTimeout === undefined ? DEFAULTS.sidecarTimeoutSeconds : positiveNumber('--sidecar-timeout', sidecarTimeout),
      invoke,
      dirs,
    },
  };
}
