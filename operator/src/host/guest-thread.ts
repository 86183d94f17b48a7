// Runs a guest in a worker thread with a deadline. The worker is started
// before the module is compiled, so its start-up overlaps the host's own;
// only runs with --timeout pay for it.
import { Worker } from 'node:worker_threads';
import type { GuestOutcome, GuestRunSpec } from './guest-outcome.js';
import type { GuestWorkerRequest } from './guest-worker.js';
import { HostError, HostErrorCode } from './host-errors.js';

// A worker blocked in a system call (a full stdout pipe) cannot be stopped;
// do not let it hold the result hostage.
const TERMINATE_GRACE_MS = 2000;

export class GuestThread {
  readonly #worker = new Worker(new URL('./guest-worker.js', import.meta.url));
  readonly #ended: Promise<GuestOutcome>;

  constructor() {
    this.#ended = new Promise<GuestOutcome>((resolve, reject) => {
      this.#worker.once('message', resolve);
      this.#worker.once('error', (err) => reject(new HostError(HostErrorCode.Internal, `guest worker failed: ${err.message}`, { cause: err })));
      this.#worker.once('exit', (code) => reject(new HostError(HostErrorCode.Internal, `guest worker exited (${code}) without a result`)));
    });
    // Until run() is called, a failure here has nobody to report to.
    this.#ended.catch(() => undefined);
  }

  async run(module: WebAssembly.Module, spec: GuestRunSpec, timeoutMs: number): Promise<GuestOutcome> {
    const started = performance.now();
    const request: GuestWorkerRequest = { module, spec };
    this.#worker.postMessage(request);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const outcome = await Promise.race([this.#ended, deadline]);
      if (outcome !== 'timeout') return outcome;
      return { end: { kind: 'timeout' }, instantiateMillis: 0, runMillis: performance.now() - started, memoryBytes: 0 };
    } finally {
      clearTimeout(timer);
      await this.stop();
    }
  }

  async stop(): Promise<void> {
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#worker.terminate().catch(() => undefined),
      new Promise((resolve) => {
        grace = setTimeout(resolve, TERMINATE_GRACE_MS);
        grace.unref();
      }),
    ]);
    clearTimeout(grace);
  }
}
