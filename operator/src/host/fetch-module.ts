// `wasi-host fetch URL SHA256 DEST`: the `fetch-module` init container of a
// WasiApp whose spec.module is {url, sha256} (see resources/pod.ts). Downloads
// the module into a temp file next to DEST while hashing it, and renames it to
// DEST only when it is WebAssembly and its SHA-256 matches; on any failure
// DEST is left untouched, the temp file is removed and the exit code is 2, so
// the host container never starts on bytes nobody asked for.
//
// Loaded lazily by cli/wasi-host.ts, only for `fetch`: `run` never pays for it.
import { createHash, randomBytes } from 'node:crypto';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { WasiOperatorError, type ErrorCode } from '../util/errors.js';
import { fetchUrlProblem, parseFetchArgs, type FetchOptions, type ParsedFetchCommand } from './fetch-args.js';
import { HostError, HostErrorCode } from './host-errors.js';
import { EXIT_HOST_FAILURE, EXIT_RETRYABLE_HOST_FAILURE } from './verdict.js';

/** One stable code per way a download fails; every one of them exits 2. */
export const FetchErrorCode = {
  /** A redirect pointed at a URL the rule refuses (https → non-loopback http, another scheme), had no Location, or there were too many. */
  Redirect: 'ERR_HOST_FETCH_REDIRECT',
  /** The server answered with a status other than 2xx (after redirects). */
  HttpStatus: 'ERR_HOST_FETCH_HTTP_STATUS',
  /** Connecting, TLS or reading the body failed. */
  Network: 'ERR_HOST_FETCH_NETWORK',
  /** The whole download took longer than --timeout. */
  Timeout: 'ERR_HOST_FETCH_TIMEOUT',
  /** The body is (or announced itself as) larger than --max-mb. */
  TooLarge: 'ERR_HOST_FETCH_TOO_LARGE',
  /** The body does not start with the WebAssembly magic `\0asm`. */
  NotWasm: 'ERR_HOST_FETCH_NOT_WASM',
  /** The body's SHA-256 differs from the expected one. */
  Sha256Mismatch: 'ERR_HOST_FETCH_SHA256_MISMATCH',
  /** DEST (or the temp file next to it) cannot be written. */
  Destination: 'ERR_HOST_FETCH_DESTINATION',
} as const satisfies Record<string, ErrorCode>;

export type FetchErrorCode = (typeof FetchErrorCode)[keyof typeof FetchErrorCode];

export class FetchError extends WasiOperatorError {
  declare readonly code: FetchErrorCode;

  constructor(code: FetchErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'FetchError';
  }
}

export interface FetchResult {
  /** The URL that was asked for. */
  url: string;
  /** The URL the body came from, after redirects. */
  finalUrl: string;
  bytes: number;
  /** Lower-case hex. */
  sha256: string;
  /** Absolute path of the file written. */
  destination: string;
}

/** Same limit as fetch's own redirect following. */
export const MAX_REDIRECTS = 20;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const WASM_MAGIC = Buffer.from([0x00, 0x61, 0x73, 0x6d]);
const PREVIEW_BYTES = 48;

const mib = (bytes: number): string => (bytes < 1024 * 1024 ? `${bytes} bytes` : `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`);

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  name?: unknown;
  cause?: unknown;
  errors?: unknown;
}

// Duck-typed, not instanceof: fetch's errors may come from another realm
// (jest's module sandbox, a worker), where `instanceof Error` is false.
function asErrorLike(value: unknown): ErrorLike | undefined {
  return typeof value === 'object' && value !== null ? (value as ErrorLike) : undefined;
}

function messageOf(value: unknown): string {
  const err = asErrorLike(value);
  if (!err) return String(value);
  if (typeof err.message === 'string' && err.message !== '') return err.message;
  if (typeof err.code === 'string') return err.code;
  return typeof err.name === 'string' ? err.name : String(value);
}

function problemText(value: unknown): string {
  // fetch wraps the real reason: TypeError('fetch failed', { cause }); the
  // cause may be an AggregateError (one error per address tried).
  const outer = asErrorLike(value);
  const cause = outer?.cause !== undefined ? outer.cause : value;
  const errors = asErrorLike(cause)?.errors;
  if (Array.isArray(errors) && errors.length > 0) return [...new Set(errors.map(messageOf))].join('; ');
  return messageOf(cause);
}

/** Printable start of a body, for saying what came back instead of a module. */
function preview(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.subarray(0, PREVIEW_BYTES)).toString('latin1').replace(/[^\x20-\x7e]/g, '.');
  return `"${text}${bytes.byteLength > PREVIEW_BYTES ? '…' : ''}"`;
}

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}

function destinationError(destination: string, err: unknown): FetchError {
  return new FetchError(FetchErrorCode.Destination, `cannot write the module to ${destination}: ${problemText(err)}; DEST must be a file path in a writable directory (the module volume)`, { cause: err });
}

/** GET with every redirect hop checked against the URL rule; returns the first 2xx response. */
async function request(url: URL, signal: AbortSignal): Promise<{ response: Response; finalUrl: URL }> {
  let current = url;
  for (let hops = 0; ; hops++) {
    const response = await fetch(current, { redirect: 'manual', signal, headers: { accept: 'application/wasm, */*;q=0.5' } });
    if (REDIRECT_STATUSES.has(response.status)) {
      await response.body?.cancel().catch(() => undefined);
      const location = response.headers.get('location');
      if (location === null) {
        throw new FetchError(FetchErrorCode.Redirect, `${current.href} answered ${response.status} without a Location header; fix the server or point the URL at the module itself`);
      }
      if (hops >= MAX_REDIRECTS) {
        throw new FetchError(FetchErrorCode.Redirect, `${url.href} redirected more than ${MAX_REDIRECTS} times (last to ${location}); point the URL at the module itself`);
      }
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        throw new FetchError(FetchErrorCode.Redirect, `${current.href} redirected to "${location}", which is not a URL`);
      }
      const problem = fetchUrlProblem(next);
      if (problem) {
        throw new FetchError(FetchErrorCode.Redirect, `${current.href} redirected to ${next.href}, which is refused: ${problem}; point the URL at the module's final https location`);
      }
      current = next;
      continue;
    }
    if (response.status < 200 || response.status > 299) {
      let snippet = '';
      try {
        const reader = response.body?.getReader();
        const first = reader ? await reader.read() : undefined;
        await reader?.cancel().catch(() => undefined);
        if (first?.value && first.value.byteLength > 0) snippet = ` (body starts ${preview(first.value)})`;
      } catch {
        // the status is the message; the body is only a hint
      }
      const where = current.href === url.href ? url.href : `${url.href} (redirected to ${current.href})`;
      throw new FetchError(FetchErrorCode.HttpStatus, `GET ${where} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${snippet}; check spec.module.url and that the file is published there`);
    }
    return { response, finalUrl: current };
  }
}

/** Streams the body into `handle`, hashing and counting it, checking the wasm magic and the size cap on the way. */
async function download(options: FetchOptions, handle: FileHandle, signal: AbortSignal): Promise<{ bytes: number; sha256: string; finalUrl: URL }> {
  const { response, finalUrl } = await request(options.url, signal);
  const announced = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(announced) && announced > options.maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new FetchError(FetchErrorCode.TooLarge, `${options.url.href} is ${mib(announced)} (Content-Length), more than the ${mib(options.maxBytes)} limit; raise --max-mb or use a smaller module`);
  }
  const contentType = response.headers.get('content-type');
  const notWasm = (head: Uint8Array): FetchError =>
    new FetchError(
      FetchErrorCode.NotWasm,
      `the URL did not return a WebAssembly module (got ${contentType ?? 'no Content-Type'}, ${head.byteLength === 0 ? 'an empty body' : `starting ${preview(head)}`}); ` +
        `a .wasm file starts with \\0asm: point spec.module.url at the module file itself`,
    );

  const hash = createHash('sha256');
  let bytes = 0;
  let head = Buffer.alloc(0);
  let magicChecked = false;
  if (response.body) {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      bytes += chunk.byteLength;
      if (bytes > options.maxBytes) {
        throw new FetchError(FetchErrorCode.TooLarge, `${options.url.href} sent more than the ${mib(options.maxBytes)} limit; raise --max-mb or use a smaller module`);
      }
      if (!magicChecked) {
        head = Buffer.concat([head, chunk]).subarray(0, PREVIEW_BYTES + 1);
        if (head.byteLength >= WASM_MAGIC.byteLength) {
          if (!head.subarray(0, WASM_MAGIC.byteLength).equals(WASM_MAGIC)) throw notWasm(head);
          magicChecked = true;
        }
      }
      hash.update(chunk);
      try {
        await writeAll(handle, chunk);
      } catch (err) {
        throw destinationError(options.destination, err);
      }
    }
  }
  if (!magicChecked) throw notWasm(head);
  return { bytes, sha256: hash.digest('hex'), finalUrl };
}

/**
 * Downloads options.url to options.destination, verified. Throws a FetchError
 * (or a HostError for an unusable DEST) and leaves DEST untouched on failure.
 */
export async function fetchModule(options: FetchOptions): Promise<FetchResult> {
  const destination = resolve(options.destination);
  try {
    if ((await stat(destination)).isDirectory()) {
      throw new FetchError(FetchErrorCode.Destination, `DEST ${destination} is a directory; give the module's file path, such as ${join(destination, 'app.wasm')}`);
    }
  } catch (err) {
    if (err instanceof FetchError) throw err;
    // ENOENT is the usual case; anything else surfaces when the temp file is opened.
  }

  // Next to DEST, so the final rename is atomic (same directory, same file system).
  const tempPath = join(dirname(destination), `.${basename(destination)}.${randomBytes(6).toString('hex')}.part`);
  let handle: FileHandle | undefined;
  try {
    handle = await open(tempPath, 'wx', 0o644);
  } catch (err) {
    throw destinationError(destination, err);
  }

  let renamed = false;
  const signal = AbortSignal.timeout(options.timeoutSeconds * 1000);
  try {
    let result: { bytes: number; sha256: string; finalUrl: URL };
    try {
      result = await download(options, handle, signal);
    } catch (err) {
      if (signal.aborted) {
        throw new FetchError(FetchErrorCode.Timeout, `downloading ${options.url.href} did not finish within ${options.timeoutSeconds} s; check that the server is reachable and fast enough, or raise --timeout`, { cause: err });
      }
      if (err instanceof WasiOperatorError) throw err;
      throw new FetchError(FetchErrorCode.Network, `cannot download ${options.url.href}: ${problemText(err)}; check the URL and that the server is reachable from the Pod`, { cause: err });
    }
    if (result.sha256 !== options.sha256) {
      throw new FetchError(
        FetchErrorCode.Sha256Mismatch,
        `module sha256 mismatch: expected ${options.sha256}, got ${result.sha256} (${result.bytes} bytes from ${options.url.href}); update spec.module.sha256 or the file at the URL`,
      );
    }
    try {
      await handle.datasync();
      await handle.close();
      handle = undefined;
      await rename(tempPath, destination);
    } catch (err) {
      throw destinationError(destination, err);
    }
    renamed = true;
    return { url: options.url.href, finalUrl: result.finalUrl.href, bytes: result.bytes, sha256: result.sha256, destination };
  } finally {
    await handle?.close().catch(() => undefined);
    if (!renamed) await rm(tempPath, { force: true }).catch(() => undefined);
  }
}

/** The `fetch` subcommand: argv is what follows `fetch`. Returns the exit code. */
export async function fetchCommand(argv: readonly string[]): Promise<number> {
  let parsed: ParsedFetchCommand;
  try {
    parsed = parseFetchArgs(argv);
  } catch (err) {
    if (!(err instanceof HostError) || err.code !== HostErrorCode.Usage) throw err;
    process.stderr.write(`wasi-host fetch: ${err.message}\nrun \`wasi-host --help\` for usage\n`);
    return EXIT_HOST_FAILURE;
  }
  if (parsed.kind === 'help') {
    const { USAGE } = await import('./usage.js');
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    const result = await fetchModule(parsed.options);
    process.stdout.write(`fetched ${result.url} (${result.bytes} bytes, sha256 ${result.sha256}) → ${result.destination}\n`);
    return 0;
  } catch (err) {
    const message = err instanceof WasiOperatorError ? err.message : `fetch failed unexpectedly: ${messageOf(err)}`;
    process.stderr.write(`wasi-host fetch: ${message}\n`);
    // The network may be better on the next attempt; a wrong digest, size or URL will not.
    const transient = err instanceof FetchError && (err.code === FetchErrorCode.Network || err.code === FetchErrorCode.Timeout);
    return transient ? EXIT_RETRYABLE_HOST_FAILURE : EXIT_HOST_FAILURE;
  }
}
