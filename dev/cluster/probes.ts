// Readiness checks over loopback HTTP(S). Each one answers true/false and
// never throws, so `waitUntil` can poll it while watching the process.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KeyPair } from './pki.js';

const PROBE_TIMEOUT_MS = 2_000;

export interface ClientTls {
  ca: string;
  cert: string;
  key: string;
}

export function clientTls(ca: KeyPair, client: KeyPair): ClientTls {
  return { ca: readFileSync(ca.cert, 'utf8'), cert: readFileSync(client.cert, 'utf8'), key: readFileSync(client.key, 'utf8') };
}

/** GET `url`; true on a 2xx answer. `tls` undefined means any certificate (components' self-signed serving certs). */
export function probe(url: string, tls?: ClientTls): Promise<boolean> {
  return new Promise((resolve) => {
    const secure = url.startsWith('https:');
    const options = secure ? (tls ? { ...tls } : { rejectUnauthorized: false }) : {};
    const req = (secure ? httpsRequest : httpRequest)(url, { ...options, timeout: PROBE_TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

export type WaitOutcome = 'ready' | 'exited' | 'timeout';

/** Polls `check` until it passes, `alive` turns false, or `timeoutMs` runs out. */
export async function waitUntil(check: () => Promise<boolean>, alive: () => boolean, timeoutMs: number): Promise<WaitOutcome> {
  const deadline = Date.now() + timeoutMs;
  let interval = 50;
  for (;;) {
    if (await check()) return 'ready';
    if (!alive()) return 'exited';
    if (Date.now() >= deadline) return 'timeout';
    await sleep(interval);
    interval = Math.min(interval * 2, 500);
  }
}
