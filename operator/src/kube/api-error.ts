// What a failed API call says, in one shape whichever client made it: our
// own (KubeApiError) or client-node's ApiException (the node agent, tests).
import { WasiOperatorError } from '../util/errors.js';

/** A non-2xx answer from the API server: its HTTP status and its Status object's reason and message. */
export class KubeApiError extends WasiOperatorError {
  readonly statusCode: number;
  /** The Status object's reason (NotFound, Conflict, AlreadyExists, Invalid, Expired, …), when it gave one. */
  readonly reason: string | undefined;
  /** The API server's own words, without the request line. */
  readonly serverMessage: string;

  constructor(method: string, path: string, statusCode: number, reason: string | undefined, serverMessage: string) {
    super('ERR_KUBE_API', `${method} ${path}: ${serverMessage}`);
    this.name = 'KubeApiError';
    this.statusCode = statusCode;
    this.reason = reason;
    this.serverMessage = serverMessage;
  }
}

/** The HTTP status of a failed API call, from either client; undefined for anything else. */
export function apiCode(err: unknown): number | undefined {
  if (err instanceof KubeApiError) return err.statusCode;
  const code = (err as { code?: unknown } | null)?.code ?? (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

export function isNotFound(err: unknown): boolean {
  return apiCode(err) === 404;
}

/** The API server's own words: a KubeApiError's, the Status body of client-node's ApiException, else the message. */
export function apiErrorMessage(err: unknown): string {
  if (err instanceof KubeApiError) return err.serverMessage;
  const { code, body } = (err ?? {}) as { code?: unknown; body?: unknown };
  if (typeof code === 'number' && body !== undefined) {
    if (typeof body === 'string') {
      try {
        const status = JSON.parse(body) as { message?: string };
        if (status.message) return status.message;
      } catch {
        return body;
      }
    }
    if (body && typeof body === 'object' && 'message' in body) return String((body as { message: unknown }).message);
    return `HTTP ${code}`;
  }
  return err instanceof Error ? err.message : String(err);
}
