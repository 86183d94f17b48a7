// Reads the wasi-host's JSON result (api/host-result.ts HostResult) out of a
// container's termination message into the status' WasiAppResult. Anything
// else (a log tail from FallbackToLogsOnError, a truncated or hand-written
// message) is reported as not being a result, never guessed at.
import type { WasiAppDaprError, WasiAppResult } from '../api/wasiapp.js';

export type ParsedTerminationMessage =
  | { ok: true; result: WasiAppResult }
  | { ok: false; problem: string };

export function parseTerminationMessage(message: string | undefined): ParsedTerminationMessage {
  const text = (message ?? '').trim();
  if (text === '') return { ok: false, problem: 'the termination message is empty' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'the termination message is not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problem: 'the termination message is not a JSON object' };
  }
  const raw = value as Record<string, unknown>;
  if (typeof raw.passed !== 'boolean') return { ok: false, problem: 'the result has no boolean "passed"' };
  if (typeof raw.exitCode !== 'number' || !Number.isInteger(raw.exitCode)) {
    return { ok: false, problem: 'the result has no integer "exitCode"' };
  }
  const result: WasiAppResult = { passed: raw.passed, exitCode: raw.exitCode };
  if (typeof raw.reason === 'string' && raw.reason !== '') result.reason = raw.reason;
  const daprError = daprErrorOf(raw.daprError);
  if (daprError) result.daprError = daprError;
  if (typeof raw.output === 'string') result.output = raw.output;
  if (isMillis(raw.compileMillis)) result.compileMillis = raw.compileMillis;
  if (isMillis(raw.instantiateMillis)) result.instantiateMillis = raw.instantiateMillis;
  if (isMillis(raw.runMillis)) result.runMillis = raw.runMillis;
  return { ok: true, result };
}

function daprErrorOf(value: unknown): WasiAppDaprError | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const raw = value as Record<string, unknown>;
  if (typeof raw.message !== 'string' || typeof raw.store !== 'string') return undefined;
  return {
    status: typeof raw.status === 'number' && Number.isInteger(raw.status) ? raw.status : 0,
    errorCode: typeof raw.errorCode === 'string' ? raw.errorCode : '',
    message: raw.message,
    store: raw.store,
  };
}

function isMillis(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

const TAIL_CHARS = 1024;

/** The last part of a message, for status messages that must stay readable. */
export function messageTail(message: string | undefined, chars = TAIL_CHARS): string {
  const text = (message ?? '').trim();
  return text.length <= chars ? text : `…${text.slice(-chars)}`;
}
