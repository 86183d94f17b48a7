// The result the host leaves for the operator: one JSON object of at most
// 4096 bytes (the kubelet's termination-message limit). Everything but
// `output` is small and bounded (`daprError`'s fields are clipped where they
// are recorded, and its message is cut further here if it must be); `output`
// gets the longest tail of the guest's output that still fits after JSON
// escaping.
import { clipText, type DaprError } from './state-store-failure.js';
import type { HostResult, ResultReason } from '../api/host-result.js';

export const RESULT_MAX_BYTES = 4096;

export interface ResultSummary {
  readonly exitCode: number;
  readonly passed: boolean;
  readonly reason: ResultReason | null;
  /** With reason StateStoreUnavailable: the state API's last failure. */
  readonly daprError?: DaprError;
  readonly compileMillis: number;
  readonly instantiateMillis: number;
  readonly runMillis: number;
}

const roundMillis = (ms: number) => Math.round(ms * 1000) / 1000;

function render(summary: ResultSummary, output: string): string {
  const result: HostResult = {
    exitCode: summary.exitCode,
    passed: summary.passed,
    reason: summary.reason,
    ...(summary.daprError && {
      daprError: {
        status: summary.daprError.status,
        errorCode: summary.daprError.errorCode,
        message: summary.daprError.message,
        store: summary.daprError.store,
      },
    }),
    output,
    compileMillis: roundMillis(summary.compileMillis),
    instantiateMillis: roundMillis(summary.instantiateMillis),
    runMillis: roundMillis(summary.runMillis),
  };
  return JSON.stringify(result);
}

const fits = (json: string) => Buffer.byteLength(json, 'utf8') <= RESULT_MAX_BYTES;

/** Decodes the tail, dropping the continuation bytes of a character cut off at its start. */
function decodeTail(tail: Uint8Array): string {
  let start = 0;
  while (start < Math.min(3, tail.byteLength) && (tail[start]! & 0xc0) === 0x80) start++;
  return new TextDecoder().decode(tail.subarray(start));
}

/** The summary with a daprError small enough that the result fits with an empty output. */
function fitted(summary: ResultSummary): ResultSummary {
  if (!summary.daprError || fits(render(summary, ''))) return summary;
  const { daprError } = summary;
  const shrunk = { ...summary, daprError: { ...daprError, message: clipText(daprError.message, 64), store: clipText(daprError.store, 64), errorCode: clipText(daprError.errorCode, 64) } };
  if (fits(render(shrunk, ''))) return shrunk;
  const { daprError: _dropped, ...rest } = summary;
  void _dropped;
  return rest;
}

export function buildResultJson(fullSummary: ResultSummary, outputTail: Uint8Array): string {
  const summary = fitted(fullSummary);
  const output = decodeTail(outputTail);
  if (fits(render(summary, output))) return render(summary, output);
  // The smallest start index whose suffix fits; size shrinks as start grows.
  let low = 0;
  let high = output.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (fits(render(summary, output.slice(mid)))) high = mid;
    else low = mid + 1;
  }
  // Never start on the second half of a surrogate pair.
  const code = output.charCodeAt(low);
  if (code >= 0xdc00 && code <= 0xdfff) low++;
  return render(summary, output.slice(low));
}
