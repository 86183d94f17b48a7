// A tiny authoritative DNS server on 127.0.0.1 (node:dgram) answering A and
// AAAA queries from a fixed table, and a `lookup` that asks it through a
// node:dns Resolver of its own: real DNS messages over real UDP, without
// touching the machine's /etc/hosts or resolv.conf, and no query leaves the
// machine. An unknown name is NXDOMAIN.
//
//   const dns = await startLocalDns({ 'evil.test': ['127.0.0.1'] });
//   createOutboundDispatcher(list, dns.lookup) ... ; await dns.stop();
import { Resolver, type LookupAddress } from 'node:dns';
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { LookupFunction } from '../../operator/src/host/destination-guard.js';

const TYPE_A = 1;
const TYPE_AAAA = 28;

export interface LocalDns {
  readonly lookup: LookupFunction;
  /** Names asked, in order. */
  readonly queries: string[];
  stop(): Promise<void>;
}

function readName(message: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let at = offset;
  while (message[at]! !== 0) {
    const length = message[at]!;
    labels.push(message.subarray(at + 1, at + 1 + length).toString('latin1'));
    at += 1 + length;
  }
  return { name: labels.join('.'), next: at + 1 };
}

function addressBytes(address: string): Buffer {
  if (!isIPv6(address)) return Buffer.from(address.split('.').map(Number));
  const [head = '', tail = ''] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function answer(query: Buffer, table: Readonly<Record<string, readonly string[]>>): Buffer {
  const { name, next } = readName(query, 12);
  const type = query.readUInt16BE(next);
  const question = query.subarray(12, next + 4);
  const known = table[name.toLowerCase()];
  const wanted = (known ?? []).filter((a) => (type === TYPE_AAAA ? isIPv6(a) : type === TYPE_A && !isIPv6(a)));
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | (known ? 0 : 3), 2); // response, authoritative, RD echoed, NXDOMAIN
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(wanted.length, 6);
  const records = wanted.map((address) => {
    const data = addressBytes(address);
    const record = Buffer.alloc(12);
    record.writeUInt16BE(0xc00c, 0); // name: the question's
    record.writeUInt16BE(type, 2);
    record.writeUInt16BE(1, 4); // IN
    record.writeUInt32BE(1, 6); // TTL
    record.writeUInt16BE(data.length, 10);
    return Buffer.concat([record, data]);
  });
  return Buffer.concat([header, question, ...records]);
}

export async function startLocalDns(table: Readonly<Record<string, readonly string[]>>): Promise<LocalDns> {
  const socket = createSocket('udp4');
  socket.on('message', (query, peer) => socket.send(answer(query, table), peer.port, peer.address));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([`127.0.0.1:${socket.address().port}`]);
  const queries: string[] = [];
  const resolveAll = (hostname: string, family: 4 | 6): Promise<LookupAddress[]> =>
    new Promise((resolve) => {
      const done = (err: Error | null, addresses: string[]) => resolve(err ? [] : addresses.map((address) => ({ address, family })));
      if (family === 4) resolver.resolve4(hostname, done);
      else resolver.resolve6(hostname, done);
    });
  const lookup: LookupFunction = (hostname, options, callback) => {
    queries.push(hostname);
    void Promise.all([resolveAll(hostname, 4), resolveAll(hostname, 6)]).then(([v4, v6]) => {
      const all = options.family === 6 ? v6 : options.family === 4 ? v4 : [...v4, ...v6];
      if (all.length === 0) {
        callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), options.all ? [] : '');
      } else if (options.all) callback(null, all);
      else callback(null, all[0]!.address, all[0]!.family);
    });
  };
  return {
    lookup,
    queries,
    stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
