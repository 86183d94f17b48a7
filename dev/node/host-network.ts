// The machine-wide part of the node: the Pod bridge, the firewall rule that
// keeps Pod traffic on this machine, and the kernel settings the node needs or
// its daemons change, recorded before and put back by `down`.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { DevError } from '../dev-errors.js';
import { NODE_NETWORK, type NodePaths } from './node-layout.js';

const run = promisify(execFile);

/**
 * Settings the node sets (forwarding, bridged traffic through the firewall)
 * or its daemons set on their own (the kubelet's panic and overcommit
 * tunables, kube-proxy's conntrack values): recorded once, restored on `down`.
 */
export const RECORDED_SYSCTLS = [
  'net.ipv4.ip_forward',
  'net.bridge.bridge-nf-call-iptables',
  'net.bridge.bridge-nf-call-ip6tables',
  'vm.overcommit_memory',
  'vm.panic_on_oom',
  'kernel.panic',
  'kernel.panic_on_oops',
  'kernel.keys.root_maxkeys',
  'kernel.keys.root_maxbytes',
  'net.netfilter.nf_conntrack_max',
  'net.netfilter.nf_conntrack_tcp_timeout_established',
  'net.netfilter.nf_conntrack_tcp_timeout_close_wait',
  'net.ipv4.conf.all.route_localnet',
] as const;

const sysctlPath = (key: string): string => `/proc/sys/${key.replaceAll('.', '/')}`;

function readSysctl(key: string): string | undefined {
  try {
    return readFileSync(sysctlPath(key), 'utf8').trim();
  } catch {
    return undefined;
  }
}

function writeSysctl(key: string, value: string): void {
  try {
    writeFileSync(sysctlPath(key), value);
  } catch (err) {
    throw new DevError('ERR_NODE_SYSCTL', `cannot set ${key}=${value}: ${String(err)}; the node needs root`, { cause: err });
  }
}

async function sh(command: string, args: string[]): Promise<string> {
  try {
    return (await run(command, args, { encoding: 'utf8' })).stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new DevError('ERR_NODE_NETWORK', `${command} ${args.join(' ')} failed: ${stderr || String(err)}`, { cause: err });
  }
}

async function tryRun(command: string, args: string[]): Promise<boolean> {
  try {
    await run(command, args);
    return true;
  } catch {
    return false;
  }
}

/** Pure: the nftables ruleset of the node's own table. */
export function firewallRuleset(): string {
  const { firewallTable, podCidr, serviceCidr } = NODE_NETWORK;
  return `table inet ${firewallTable} {
  chain forward {
    type filter hook forward priority -10; policy accept;
    # Pods talk to Pods, Services and this machine (input, not forward); a
    # packet for anywhere else is dropped here, never masqueraded out.
    ip saddr ${podCidr} ip daddr != { ${podCidr}, ${serviceCidr} } drop
    meta nfproto ipv6 iifname "${NODE_NETWORK.bridge}" drop
  }
}
`;
}

/** `family name` of every nftables table (iptables-nft keeps its tables there too). */
async function nftTables(): Promise<string[]> {
  try {
    return (await sh('nft', ['list', 'tables'])).split('\n').flatMap((line) => /^table (\S+ \S+)$/.exec(line.trim())?.[1] ?? []);
  } catch {
    return [];
  }
}

function savedTablesPath(paths: NodePaths): string {
  return join(paths.dir, 'nft-tables.json');
}

export async function setUpHostNetwork(paths: NodePaths): Promise<void> {
  if (!existsSync(paths.savedSysctls)) {
    const saved = Object.fromEntries(RECORDED_SYSCTLS.flatMap((key) => {
      const value = readSysctl(key);
      return value === undefined ? [] : [[key, value]];
    }));
    writeFileSync(paths.savedSysctls, `${JSON.stringify(saved, null, 2)}\n`);
    // The kubelet's iptables (nft-backed here) adds tables; the ones that were not here before go on `down`.
    writeFileSync(savedTablesPath(paths), `${JSON.stringify(await nftTables())}\n`);
  }
  if (!existsSync('/proc/sys/net/bridge')) await sh('modprobe', ['br_netfilter']);
  // Forwarding is what lets Pods reach Services across the bridge; the firewall above bounds it.
  writeSysctl('net.ipv4.ip_forward', '1');
  writeSysctl('net.bridge.bridge-nf-call-iptables', '1');

  const { bridge, nodeIp, prefixLength } = NODE_NETWORK;
  if (!(await tryRun('ip', ['link', 'show', bridge]))) await sh('ip', ['link', 'add', bridge, 'type', 'bridge']);
  const addresses = await sh('ip', ['-o', '-4', 'addr', 'show', 'dev', bridge]);
  if (!addresses.includes(` ${nodeIp}/`)) await sh('ip', ['addr', 'add', `${nodeIp}/${prefixLength}`, 'dev', bridge]);
  await sh('ip', ['link', 'set', bridge, 'up']);

  await tryRun('nft', ['delete', 'table', 'inet', NODE_NETWORK.firewallTable]);
  await nftApply(firewallRuleset());
}

async function nftApply(ruleset: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = execFile('nft', ['-f', '-'], (err, _stdout, stderr) => {
      if (err) reject(new DevError('ERR_NODE_NETWORK', `nft -f failed: ${stderr.trim() || String(err)}; is the nftables package installed?`, { cause: err }));
      else resolve();
    });
    child.stdin?.end(ruleset);
  });
}

/**
 * Deletes the rules of the kubelet, kube-proxy and CNI (KUBE-*, CNI-*) from
 * one iptables binary's tables; only from tables that exist (with iptables-nft,
 * even listing a table creates it).
 */
async function removeIptablesChains(binary: 'iptables' | 'ip6tables', existing: string[]): Promise<void> {
  const family = binary === 'iptables' ? 'ip' : 'ip6';
  for (const table of ['filter', 'nat', 'mangle']) {
    if (!existing.includes(`${family} ${table}`)) continue;
    let rules: string;
    try {
      rules = await sh(binary, ['-w', '-t', table, '-S']);
    } catch {
      continue;
    }
    const ours = /^(KUBE-|CNI-)/;
    for (const line of rules.split('\n')) {
      const jump = /^-A (\S+) (.*)-j (\S+)/.exec(line);
      if (jump && !ours.test(jump[1]!) && ours.test(jump[3]!)) await tryRun(binary, ['-w', '-t', table, ...line.replace(/^-A /, '-D ').match(/(?:[^\s"]+|"[^"]*")+/g)!.map((arg) => arg.replace(/^"|"$/g, ''))]);
    }
    const chains = rules.split('\n').flatMap((line) => /^-N (\S+)/.exec(line)?.[1] ?? []).filter((chain) => ours.test(chain));
    for (const chain of chains) await tryRun(binary, ['-w', '-t', table, '-F', chain]);
    for (const chain of chains) await tryRun(binary, ['-w', '-t', table, '-X', chain]);
  }
}

/** Removes everything setUpHostNetwork and the node's daemons added to the machine's network, and restores the settings. */
export async function tearDownHostNetwork(paths: NodePaths): Promise<void> {
  await tryRun('nft', ['delete', 'table', 'inet', NODE_NETWORK.firewallTable]);
  for (const family of ['ip', 'ip6']) await tryRun('nft', ['delete', 'table', family, 'kube-proxy']);
  const existing = await nftTables();
  await removeIptablesChains('iptables', existing);
  await removeIptablesChains('ip6tables', existing);
  if (existsSync(savedTablesPath(paths))) {
    const before = JSON.parse(readFileSync(savedTablesPath(paths), 'utf8')) as string[];
    for (const table of await nftTables()) {
      if (!before.includes(table)) await tryRun('nft', ['delete', 'table', ...table.split(' ')]);
    }
    rmSync(savedTablesPath(paths), { force: true });
  }
  await tryRun('ip', ['link', 'delete', NODE_NETWORK.bridge]);
  if (existsSync(paths.savedSysctls)) {
    const saved = JSON.parse(readFileSync(paths.savedSysctls, 'utf8')) as Record<string, string>;
    for (const [key, value] of Object.entries(saved)) {
      if (readSysctl(key) !== value) {
        try {
          writeSysctl(key, value);
        } catch {
          // A read-only key (some are, in a container) was not changed either.
        }
      }
    }
    rmSync(paths.savedSysctls, { force: true });
  }
}

/** True when the node's bridge exists: some cluster on this machine has a node. */
export async function hostNetworkExists(): Promise<boolean> {
  return tryRun('ip', ['link', 'show', NODE_NETWORK.bridge]);
}

/** Names the state dir whose cluster has this machine's one node. */
const NODE_OWNER_FILE = '/run/wasi-operator/node-owner';

/** The state dir whose cluster last took this machine's node, if any. */
export function nodeOwner(): string | undefined {
  return existsSync(NODE_OWNER_FILE) ? readFileSync(NODE_OWNER_FILE, 'utf8').trim() || undefined : undefined;
}

/** Takes the machine's node for the cluster in `stateDir` (the caller has made sure no other live cluster has it). */
export function claimNode(stateDir: string): void {
  mkdirSync(dirname(NODE_OWNER_FILE), { recursive: true });
  writeFileSync(NODE_OWNER_FILE, `${stateDir}\n`);
}

export function releaseNode(stateDir: string): void {
  if (nodeOwner() === stateDir) rmSync(NODE_OWNER_FILE, { force: true });
}
