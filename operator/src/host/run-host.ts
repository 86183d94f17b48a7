// `wasi-host run`: find the sidecar, load the module (while waiting for the
// sidecar to be ready), run the guest on this thread or, under --timeout, in a
// worker, then stop the sidecar if asked, write the result and return the
// exit code. Every path out writes a result, so the operator always learns why.
// What only some runs need (the worker, the sidecar client) is imported on
// demand: every module file costs start-up time, and start-up is per guest.
import { basename } from 'node:path';
import type { GuestOutcome, GuestRunSpec } from './guest-outcome.js';
import { HostError, HostErrorCode } from './host-errors.js';
import { hostLog } from './host-log.js';
import type { HostOptions } from './host-options.js';
import { loadModule } from './load-module.js';
import { WASM_PAGE_BYTES, capPagesFor } from './memory-cap.js';
import { OutputCapture } from './output-capture.js';
import { buildResultJson, type ResultSummary } from './result.js';
import { resultPath, writeResult } from './result-file.js';
import { runGuest } from './run-guest.js';
import { sidecarAllowList, sidecarFromEnv, sidecarGuestEnv, type Sidecar } from './sidecar-endpoint.js';
import { DaprErrorRecord, type DaprError } from './state-store-failure.js';
import { ResultReason } from '../api/host-result.js';
import { EXIT_HOST_FAILURE, EXIT_RETRYABLE_HOST_FAILURE, verdictOf } from './verdict.js';

const MIB = 2 ** 20;

function hostFailureReason(err: HostError): ResultReason | null {
  switch (err.code) {
    case HostErrorCode.InvalidModule:
      return ResultReason.InvalidModule;
    case HostErrorCode.MemoryLimit:
      return ResultReason.MemoryLimit;
    case HostErrorCode.SidecarUnavailable:
      return ResultReason.SidecarUnavailable;
    default:
      return null;
  }
}

function logGuestEnd(outcome: GuestOutcome, reason: string | null, exitCode: number, timeoutSeconds: number | undefined, daprError: DaprError | undefined): void {
  const { end } = outcome;
  if (daprError) hostLog.error({ exitCode, end: end.kind, ...daprError }, 'guest failed after the Dapr state store failed');
  if (end.kind === 'trap') hostLog.error({ trap: end.message, reason, exitCode }, 'guest trapped');
  else if (end.kind === 'timeout') hostLog.error({ timeoutSeconds, exitCode }, 'guest timed out');
  else if (end.kind === 'unrunnable') hostLog.error({ problem: end.message, exitCode }, 'guest entry point cannot be called');
  else if (reason === ResultReason.MemoryLimit) hostLog.error({ exitCode, memoryBytes: outcome.memoryBytes }, 'guest failed at its memory limit');
}

export async function runHost(options: HostOptions, processEnv: NodeJS.ProcessEnv): Promise<number> {
  const resultFile = resultPath(options.resultFile);
  // Under --timeout the worker boots while we compile.
  const thread = options.timeoutSeconds === undefined ? undefined : new (await import('./guest-thread.js')).GuestThread();
  let sidecar: Sidecar | undefined;
  let sidecarClient: typeof import('./sidecar-client.js') | undefined;
  let compileMillis = 0;
  try {
    sidecar = sidecarFromEnv(processEnv);
    if (sidecar) sidecarClient = await import('./sidecar-client.js');
    const sidecarReady = sidecar ? sidecarClient!.waitForSidecar(sidecar, options.sidecarTimeoutSeconds * 1000) : Promise.resolve();
    sidecarReady.catch(() => undefined); // awaited below, after the module's own errors
    const loaded = loadModule(options.modulePath, options.maxMemoryMb, options.invoke);
    if (loaded.fromStartSection) hostLog.info({ module: options.modulePath }, 'running the module\'s start function as its entry point');
    compileMillis = loaded.compileMillis;
    await sidecarReady;

    const capture = OutputCapture.create(options.successOutput);
    const stateStoreFailures = sidecar ? DaprErrorRecord.create() : undefined;
    const spec: GuestRunSpec = {
      args: [basename(options.modulePath), ...options.guestArgs],
      env: { ...options.env, ...(sidecar ? sidecarGuestEnv(sidecar) : {}) },
      allowedHosts: options.allowedHosts.length > 0 ? [...options.allowedHosts] : sidecar ? sidecarAllowList(sidecar) : [],
      maxOpenResponses: options.maxConcurrentRequests,
      requestTimeoutMs: options.requestTimeoutSeconds * 1000,
      maxResponseBytes: options.maxResponseMb * MIB,
      capture: capture.state,
      entry: loaded.entry,
      invoked: options.invoke !== undefined,
      dirs: options.dirs,
      ...(sidecar && stateStoreFailures && { stateStore: { sidecarOrigins: sidecarAllowList(sidecar), failures: stateStoreFailures.state } }),
    };
    const outcome = thread
      ? await thread.run(loaded.module, spec, options.timeoutSeconds! * 1000)
      : await runGuest(loaded.module, spec);

    const verdict = verdictOf({
      end: outcome.end,
      memoryBytes: outcome.memoryBytes,
      memoryCapBytes: options.maxMemoryMb === undefined ? undefined : capPagesFor(options.maxMemoryMb) * WASM_PAGE_BYTES,
      successOutput: options.successOutput,
      successSeen: capture.successSeen,
      stateStoreFailed: stateStoreFailures?.last() !== undefined,
    });
    const daprError = verdict.reason === ResultReason.StateStoreUnavailable ? stateStoreFailures?.last() : undefined;
    logGuestEnd(outcome, verdict.reason, verdict.exitCode, options.timeoutSeconds, daprError);
    const summary: ResultSummary = {
      ...verdict,
      ...(daprError && { daprError }),
      compileMillis,
      instantiateMillis: outcome.instantiateMillis,
      runMillis: outcome.runMillis,
    };
    const output = outcome.end.kind === 'unrunnable' ? new TextEncoder().encode(outcome.end.message) : capture.tail();
    writeResult(resultFile, buildResultJson(summary, output));
    return verdict.exitCode;
  } catch (err) {
    const hostError = err instanceof HostError ? err : new HostError(HostErrorCode.Internal, `host failure: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    hostLog.error({ err: hostError }, 'host failed');
    const reason = hostFailureReason(hostError);
    const exitCode = reason === ResultReason.SidecarUnavailable ? EXIT_RETRYABLE_HOST_FAILURE : EXIT_HOST_FAILURE;
    const summary: ResultSummary = { exitCode, passed: false, reason, compileMillis, instantiateMillis: 0, runMillis: 0 };
    writeResult(resultFile, buildResultJson(summary, new TextEncoder().encode(hostError.message)));
    return exitCode;
  } finally {
    await thread?.stop();
    if (options.daprShutdown && sidecar && sidecarClient) await sidecarClient.shutdownSidecar(sidecar);
  }
}
