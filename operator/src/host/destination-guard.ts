// The DNS rule of the allow-list. An origin on the list given by host name is
// checked against the list by name, but the name is resolved when the host
// connects: a name that resolves to a loopback (127.0.0.0/8, ::1), link-local
// (169.254.0.0/16, fe80::/10) or unspecified (0.0.0.0/8, ::, which Linux
// connects to the machine itself) address would let whoever controls its DNS
// steer a guest at the sidecar or the cloud metadata endpoint. Such an
// address is used only when the same origin with the address in place of the
// name is allowed too (`http://127.0.0.1:3500` for `http://localhost:3500`);
// the other addresses are dropped, and a name left with none is refused
// (error 7). IP literals never reach a lookup, so an origin given by address
// (the sidecar's) is judged by the list alone. The check runs inside the
// connection's own lookup, on the very addresses it connects to, so a second
// answer from DNS cannot slip past it.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList } from 'node:net';
import { isAllowed, type AllowList } from './allow-list.js';
import type { ErrorCode } from '../util/errors.js';

export type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
/** The shape of dns.lookup that net.connect takes as its `lookup` option. */
export type LookupFunction = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

/** A resolved address the allow-list does not allow; surfaces as error 7. */
export class DestinationRefusedError extends Error {
  readonly code = 'ERR_WASI_HOST_DESTINATION_REFUSED' satisfies ErrorCode;

  constructor(message: string) {
    super(message);
    this.name = 'DestinationRefusedError';
  }
}

const MACHINE_LOCAL = new BlockList();
MACHINE_LOCAL.addSubnet('127.0.0.0', 8, 'ipv4');
MACHINE_LOCAL.addSubnet('169.254.0.0', 16, 'ipv4');
MACHINE_LOCAL.addSubnet('0.0.0.0', 8, 'ipv4');
MACHINE_LOCAL.addAddress('::1', 'ipv6');
MACHINE_LOCAL.addAddress('::', 'ipv6');
MACHINE_LOCAL.addSubnet('fe80::', 10, 'ipv6');

/** Loopback, link-local or unspecified (IPv4-mapped IPv6 forms included). */
export function isMachineLocalAddress(address: string, family: number): boolean {
  // A zone (fe80::1%eth0) is not part of the address.
  const bare = address.replace(/%.*$/, '');
  try {
    return MACHINE_LOCAL.check(bare, family === 6 ? 'ipv6' : 'ipv4');
  } catch {
    return true; // not an address BlockList understands: never trust it
  }
}

/** Whether the origin with `address` in place of its host name is on the list. */
function addressAllowed(list: AllowList, origin: URL, address: string, family: number): boolean {
  if (address.includes('%')) return false; // a zoned address cannot be named in an origin
  const host = family === 6 ? `[${address}]` : address;
  let url: URL;
  try {
    url = new URL(`${origin.protocol}//${host}${origin.port ? `:${origin.port}` : ''}/`);
  } catch {
    return false;
  }
  return isAllowed(list, url);
}

/**
 * A `lookup` for net.connect to `origin` that resolves with `resolve`
 * (dns.lookup unless a test gives its own resolver) and keeps only the
 * addresses the rule above lets through.
 */
export function guardedLookup(list: AllowList, origin: URL, resolve: LookupFunction = dnsLookup as LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, found) => {
      if (err) {
        callback(err, options.all ? [] : '');
        return;
      }
      const addresses = Array.isArray(found) ? found : [{ address: found, family: net6(found) }];
      const usable = addresses.filter(
        ({ address, family }) => !isMachineLocalAddress(address, family) || addressAllowed(list, origin, address, family),
      );
      const first = usable[0];
      if (!first) {
        const refused = new DestinationRefusedError(
          `destination not allowed: ${hostname} resolves to ${addresses.map((a) => a.address).join(', ') || 'nothing'}, ` +
            'a loopback or link-local address the allow-list does not name; list the address itself to allow it',
        );
        callback(refused, options.all ? [] : '');
        return;
      }
      if (options.all) callback(null, usable);
      else callback(null, first.address, first.family);
    });
  };
}

function net6(address: string): number {
  return address.includes(':') ? 6 : 4;
}

/** The refusal by the rule above that `err` is or was caused by, if any. */
export function destinationRefusalIn(err: unknown): DestinationRefusedError | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof DestinationRefusedError) return e;
    if (e instanceof AggregateError) {
      for (const inner of e.errors) {
        const found = destinationRefusalIn(inner);
        if (found) return found;
      }
    }
  }
  return undefined;
}
