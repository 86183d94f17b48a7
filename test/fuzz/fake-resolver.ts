// The fuzzer's (and the DNS tests') resolver: a fixed table of names, so no
// lookup ever leaves the machine and a name can be made to resolve to
// loopback on purpose. An unknown name fails as dns.lookup fails (ENOTFOUND).
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from '../../operator/src/host/destination-guard.js';

export type NameTable = Readonly<Record<string, readonly string[]>>;

export function tableResolver(table: NameTable): LookupFunction & { queries: string[] } {
  const queries: string[] = [];
  const lookup = ((hostname, options, callback) => {
    queries.push(hostname);
    const found = table[hostname.toLowerCase()];
    setImmediate(() => {
      if (!found || found.length === 0) {
        const err: NodeJS.ErrnoException = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
        callback(err, options.all ? [] : '');
        return;
      }
      const addresses: LookupAddress[] = found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  }) as LookupFunction & { queries: string[] };
  lookup.queries = queries;
  return lookup;
}
