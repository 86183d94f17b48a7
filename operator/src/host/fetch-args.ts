// `wasi-host fetch URL SHA256 DEST [--timeout SECONDS] [--max-mb N]` →
// FetchOptions, and the URL rule every download (and every redirect hop)
// must pass. Pure and free of heavy imports, so the rule has table tests and
// `wasi-host --help` can show the defaults without loading the downloader.
import { parseFlags, type FlagProblem } from '../util/flags.js';
import { usageError, type HostError } from './host-errors.js';

export const FETCH_DEFAULTS = {
  timeoutSeconds: 60,
  maxMb: 256,
} as const;

/** The most a download may be capped at (--max-mb). */
export const FETCH_MAX_MB_LIMIT = 4096;

export interface FetchOptions {
  /** Where to download from; passed fetchUrlProblem. */
  url: URL;
  /** Expected SHA-256 of the body, 64 lower-case hex characters. */
  sha256: string;
  /** The file to create (atomically, only when the digest matches). */
  destination: string;
  /** For the whole download: every redirect hop and the body. */
  timeoutSeconds: number;
  maxBytes: number;
}

export type ParsedFetchCommand = { kind: 'help' } | { kind: 'fetch'; options: FetchOptions };

const FETCH_SYNOPSIS = 'wasi-host fetch URL SHA256 DEST [--timeout SECONDS] [--max-mb N]';
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
const IPV4_LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
// Both collect their values, so that a second one is refused rather than winning.
const FLAGS = {
  timeout: { type: 'string', multiple: true },
  'max-mb': { type: 'string', multiple: true },
} as const;

/**
 * The loopback hosts of the CRD's rule: localhost, 127.0.0.0/8 and [::1].
 * Takes URL.hostname, which the URL parser has already lower-cased and
 * normalized (`127.1` → `127.0.0.1`, `[0:0::1]` → `[::1]`).
 */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || IPV4_LOOPBACK.test(hostname);
}

/**
 * Why this URL may not be downloaded, or undefined when it may: https
 * anywhere, http only to a loopback host (the same rule as spec.module.url in
 * the CRD, applied again here to the argument and to every redirect target).
 */
export function fetchUrlProblem(url: URL): string | undefined {
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined;
  if (url.protocol === 'http:') return `http is allowed only for a loopback host (127.0.0.0/8, localhost or [::1]), not ${url.hostname}; use https`;
  return `the scheme must be https (or http for a loopback host), not ${url.protocol.slice(0, -1)}`;
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`URL "${text}" is not an absolute URL; use one like https://example.com/app.wasm`);
  }
  const problem = fetchUrlProblem(url);
  if (problem) throw usageError(`URL "${text}" is refused: ${problem}`);
  if (url.username || url.password) {
    throw usageError(`URL "${text}" carries credentials (user:password@), which fetch does not send; serve the module without them`);
  }
  return url;
}

function positiveSeconds(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw usageError(`${flag} needs a positive number of seconds, got "${text}"`);
  }
  return value;
}

function megabytes(flag: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > FETCH_MAX_MB_LIMIT) {
    throw usageError(`${flag} needs a whole number from 1 to ${FETCH_MAX_MB_LIMIT}, got "${text}"`);
  }
  return value;
}

function flagError(problem: FlagProblem): HostError {
  switch (problem.kind) {
    case 'unknown-flag':
      return usageError(`unknown flag ${problem.flag} for fetch; use: ${FETCH_SYNOPSIS}`);
    case 'missing-value':
      return usageError(`${problem.flag} needs a value`);
    case 'unexpected-value':
      return usageError(`${problem.flag} takes no value`);
    case 'unexpected-argument':
      return usageError(`unexpected argument "${problem.value}"; use: ${FETCH_SYNOPSIS}`);
    case 'other':
      return usageError(problem.message);
  }
}

/** Parses the arguments after `fetch`. Every mistake is a usage error (ERR_HOST_USAGE). */
export function parseFetchArgs(argv: readonly string[]): ParsedFetchCommand {
  // Help wins over any mistake in the other arguments.
  if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help' };
  const { values, positionals: positional } = parseFlags(argv, { options: FLAGS, strict: true, allowPositionals: true }, { fail: flagError });
  const single = (name: keyof typeof FLAGS): string | undefined => {
    const all = values[name];
    if (all && all.length > 1) throw usageError(`--${name} given twice; give it once`);
    return all?.[0];
  };
  const timeout = single('timeout');
  const maxMb = single('max-mb');

  if (positional.length !== 3) {
    const names = ['URL', 'SHA256', 'DEST'];
    throw usageError(
      positional.length < 3
        ? `missing ${names.slice(positional.length).join(' ')}; use: ${FETCH_SYNOPSIS}`
        : `expected URL SHA256 DEST, got ${positional.length} arguments: ${positional.join(' ')}`,
    );
  }
  const [urlText, sha256, destination] = positional as [string, string, string];
  const url = parseUrl(urlText);
  if (!SHA256_HEX.test(sha256)) {
    throw usageError(`SHA256 must be 64 hexadecimal characters (the SHA-256 of the module file, e.g. from \`sha256sum app.wasm\`), got "${sha256}"`);
  }
  if (destination === '') throw usageError('DEST needs a file path, such as /module/app.wasm');

  return {
    kind: 'fetch',
    options: {
      url,
      sha256: sha256.toLowerCase(),
      destination,
      timeoutSeconds: timeout === undefined ? FETCH_DEFAULTS.timeoutSeconds : positiveSeconds('--timeout', timeout),
      maxBytes: (maxMb === undefined ? FETCH_DEFAULTS.maxMb : megabytes('--max-mb', maxMb)) * 1024 * 1024,
    },
  };
}
