// Which request methods a guest may use. fetch refuses CONNECT, TRACE and
// TRACK outright; everything else must at least be an HTTP token.
import { HttpAbiError, HttpErrorCode } from './http-error-codes.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FORBIDDEN = new Set(['CONNECT', 'TRACE', 'TRACK']);

export function checkMethod(method: string): string {
  if (!TOKEN.test(method) || FORBIDDEN.has(method.toUpperCase())) {
    throw new HttpAbiError(HttpErrorCode.InvalidMethod, `invalid HTTP method ${JSON.stringify(method)}`);
  }
  return method;
}
