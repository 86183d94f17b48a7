// `wasi-host` command line → HostOptions. Every mistake is a usage error that
// names the flag and says what a valid value looks like.
import { parseFlags, type FlagProblem } from '../util/flags.js';
import { parseAllowList } from './allow-list.js';
import { usageError, type HostError } from './host-errors.js';
import { DEFAULTS, type HostOptions } from './host-options.js';
import { parseDirFlag, wasiPreopens } from './preopens.js';

export type ParsedCommand = { kind: 'help' } | { kind: 'run'; options: HostOptions };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Every value flag collects all its values: the repeatable ones use them all,
// the others refuse a second one (`single` below) rather than let one win.
const FLAGS = {
  'allowed-host': { type: 'string', multiple: true },
  'max-concurrent-requests': { type: 'string', multiple: true },
  env: { type: 'string', multiple: true },
  timeout: { type: 'string', multiple: true },
  'max-memory-mb': { type: 'string', multiple: true },
  'success-output': { type: 'string', multiple: true },
  'result-file': { type: 'string', multiple: true },
  'request-timeout': { type: 'string', multiple: true },
  'max-response-mb': { type: 'string', multiple: true },
  'sidecar-timeout': { type: 'string', multiple: true },
  invoke: { type: 'string', multiple: true },
  dir: { type: 'string', multiple: true },
  'dir-ro': { type: 'string', multiple: true },
  'dapr-shutdown': { type: 'boolean' },
} as const;

function flagError(problem: FlagProblem): HostError {
  switch (problem.kind) {
    case 'unknown-flag':
      return usageError(`unknown flag ${problem.flag}; see wasi-host --help`);
    case 'missing-value':
      return usageError(`${problem.flag} needs a value`);
    case 'unexpected-value':
      return usageError(`${problem.flag} takes no value`);
    case 'unexpected-argument':
      return usageError(`unexpected argument "${problem.value}"`);
    case 'other':
      return usageError(problem.message);
  }
}

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
  // Everything after the first `--` is the guest's, flags and `--help` included.
  const separator = argv.indexOf('--');
  const own = separator < 0 ? argv : argv.slice(0, separator);
  const guestArgs = separator < 0 ? [] : argv.slice(separator + 1);
  // Help wins over any mistake in the other flags.
  if (own.includes('--help') || own.includes('-h')) return { kind: 'help' };
  const [command, ...rest] = own;
  if (command !== 'run') {
    throw usageError(command === undefined ? 'missing command; use: wasi-host run FILE' : `unknown command "${command}"; use: wasi-host run FILE`);
  }

  const { values, positionals: positional } = parseFlags(rest, { options: FLAGS, strict: true, allowPositionals: true }, { fail: flagError });
  if (positional.length !== 1) {
    throw usageError(positional.length === 0 ? 'missing FILE: the .wasm module to run' : `expected one FILE, got ${positional.length}: ${positional.join(' ')}; put guest arguments after --`);
  }
  const single = (name: Exclude<keyof typeof FLAGS, 'dapr-shutdown'>): string | undefined => {
    const all = values[name];
    if (all && all.length > 1) throw usageError(`--${name} given ${all.length} times; give it once`);
    return all?.[0];
  };

  const env: Record<string, string> = {};
  for (const entry of values.env ?? []) {
    const eq = entry.indexOf('=');
    const name = eq < 0 ? entry : entry.slice(0, eq);
    if (eq < 0 || !ENV_NAME.test(name)) throw usageError(`--env needs NAME=VALUE with NAME made of letters, digits and _, got "${entry}"`);
    env[name] = entry.slice(eq + 1);
  }

  const allowedHosts = values['allowed-host'] ?? [];
  parseAllowList(allowedHosts); // fail on a bad entry now, not at the first request

  const timeout = single('timeout');
  const maxMemory = single('max-memory-mb');
  const concurrent = single('max-concurrent-requests');
  const requestTimeout = single('request-timeout');
  const maxResponse = single('max-response-mb');
  const sidecarTimeout = single('sidecar-timeout');
  const successOutput = single('success-output');
  if (successOutput === '') throw usageError('--success-output needs a non-empty text');
  const resultFile = single('result-file');
  if (resultFile === '') throw usageError('--result-file needs a path');
  // node:wasi numbers the preopens 3, 4, … in this array's order, and so does the read-only rule (preopens.ts).
  const dirs = [
    ...(values.dir ?? []).map((text) => parseDirFlag('--dir', text)),
    ...(values['dir-ro'] ?? []).map((text) => parseDirFlag('--dir-ro', text)),
  ];
  wasiPreopens(dirs); // fail on two directories with one guest path now
  const invoke = single('invoke');
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
      daprShutdown: values['dapr-shutdown'] ?? false,
      requestTimeoutSeconds: requestTimeout === undefined ? DEFAULTS.requestTimeoutSeconds : positiveNumber('--request-timeout', requestTimeout),
      maxResponseMb: maxResponse === undefined ? DEFAULTS.maxResponseMb : integerIn('--max-response-mb', maxResponse, 1, 1024),
      sidecarTimeoutSeconds: sidecarTimeout === undefined ? DEFAULTS.sidecarTimeoutSeconds : positiveNumber('--sidecar-timeout', sidecarTimeout),
      invoke,
      dirs,
    },
  };
}
