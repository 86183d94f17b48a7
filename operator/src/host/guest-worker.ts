// Entry point of the worker thread that runs a guest under --timeout. A guest
// spinning in pure compute never yields to the event loop, so a timer on its
// own thread would never fire; in a worker, the main thread stays free to
// terminate it.
import { parentPort } from 'node:worker_threads';
import type { GuestRunSpec } from './guest-outcome.js';
import { runGuest } from './run-guest.js';

export interface GuestWorkerRequest {
  readonly module: WebAssembly.Module;
  readonly spec: GuestRunSpec;
}

const port = parentPort;
if (port) {
  port.once('message', async ({ module, spec }: GuestWorkerRequest) => {
    port.postMessage(await runGuest(module, spec));
  });
}
