// The `serviceAccountToken` source of a projected volume, as the kubelet
// writes it: a TokenRequest for the Pod's ServiceAccount, bound to the Pod
// (the API server stops accepting it once the Pod is deleted), written to the
// volume and rotated before it expires. A client that re-reads the file (as
// client-node's in-cluster config and the kubeconfig of in-cluster-config.ts
// do, every 60 s) never holds an expired token.
import { renameSync, writeFileSync } from 'node:fs';
import type { CoreV1Api, V1Pod, V1ServiceAccountTokenProjection } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { WasiOperatorError } from '../../util/errors.js';
import { apiErrorMessage } from '../../kube/api-error.js';

/** What a projected source asks for when it names no lifetime (the API's default). */
const DEFAULT_EXPIRATION_SECONDS = 3600;
/** The kubelet refreshes a token at 80% of its lifetime, and at least once a day. */
const ROTATE_AT_FRACTION = 0.8;
const MAX_ROTATION_MS = 24 * 60 * 60 * 1000;
const RETRY_MS = 10_000;

/** When to fetch the next token, counted from the moment this one was issued. Pure. */
export function rotationDelayMs(expirationSeconds: number): number {
  return Math.min(expirationSeconds * 1000 * ROTATE_AT_FRACTION, MAX_ROTATION_MS);
}

const codeOf = (err: unknown): number | undefined => (err as { code?: number }).code;

export class ProjectedTokens {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly core: CoreV1Api,
    private readonly pod: V1Pod,
    private readonly log: Logger,
  ) {}

  /** Writes a token for `source` to `path` now and keeps it fresh until stop(). */
  async project(source: V1ServiceAccountTokenProjection, path: string): Promise<void> {
    const expirationSeconds = await this.writeToken(source, path);
    this.schedule(source, path, rotationDelayMs(expirationSeconds));
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(source: V1ServiceAccountTokenProjection, path: string, delayMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.writeToken(source, path).then(
        (expirationSeconds) => this.schedule(source, path, rotationDelayMs(expirationSeconds)),
        (err: unknown) => {
          // A deleted Pod's token cannot be renewed, and is not needed any more.
          if (codeOf(err) === 404) return;
          this.log.warn({ err, path }, 'service account token rotation failed');
          this.schedule(source, path, RETRY_MS);
        },
      );
    }, delayMs);
    // The agent's own lifetime is not the tokens' business.
    timer.unref();
    this.timers.add(timer);
  }

  /** Requests a token and replaces the file atomically; returns the granted lifetime in seconds. */
  private async writeToken(source: V1ServiceAccountTokenProjection, path: string): Promise<number> {
    const { name, namespace, uid } = this.pod.metadata!;
    const requested = source.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
    const serviceAccount = this.pod.spec?.serviceAccountName ?? 'default';
    const request = await this.core.createNamespacedServiceAccountToken({
      name: serviceAccount,
      namespace: namespace!,
      body: {
        spec: {
          // Empty: the API server's own audiences, which is what a Pod talking to it needs.
          audiences: source.audience ? [source.audience] : [],
          expirationSeconds: requested,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: name!, uid: uid! },
        },
      },
    }).catch((err: unknown) => {
      throw new WasiOperatorError(
        'ERR_NODE_AGENT_VOLUME',
        `cannot get a token of ServiceAccount ${namespace}/${serviceAccount} for Pod ${name}: ${apiErrorMessage(err)};` +
          ' check that the ServiceAccount exists (the chart creates it unless serviceAccount.create is false)',
        { cause: err },
      );
    });
    const token = request.status?.token;
    if (!token) throw new WasiOperatorError('ERR_NODE_AGENT_VOLUME', `the TokenRequest for Pod ${namespace}/${name} returned no token`);
    const partial = `${path}.partial`;
    writeFileSync(partial, token, { mode: 0o600 });
    renameSync(partial, path);
    return request.spec?.expirationSeconds ?? requested;
  }
}
