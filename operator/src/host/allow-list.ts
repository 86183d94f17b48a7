// Which origins a guest may send HTTP requests to. An entry is a whole origin:
// scheme, host and port must all match, so `http://127.0.0.1:3500` allows
// neither `:3501` nor `localhost`. `https://*.example.com` allows any
// subdomain (not the bare domain), and `insecure:allow-all` allows everything.
import { usageError } from './host-errors.js';

export const ALLOW_ALL = 'insecure:allow-all';

const WILDCARD_PREFIX = '*.';
// A placeholder label lets the URL parser validate the rest of a wildcard entry.
const WILDCARD_LABEL = 'wildcard-placeholder';

type AllowEntry =
  | { kind: 'all' }
  | { kind: 'origin'; origin: string }
  | { kind: 'subdomains'; protocol: string; suffix: string; port: string };

export interface AllowList {
  readonly entries: readonly AllowEntry[];
}

function parseEntry(text: string): AllowEntry {
  if (text === ALLOW_ALL) return { kind: 'all' };
  const wildcard = text.includes(`//${WILDCARD_PREFIX}`);
  let url: URL;
  try {
    url = new URL(wildcard ? text.replace(`//${WILDCARD_PREFIX}`, `//${WILDCARD_LABEL}.`) : text);
  } catch {
    throw usageError(`--allowed-host "${text}" is not an origin; use scheme://host[:port], https://*.domain or ${ALLOW_ALL}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`--allowed-host "${text}" must start with http:// or https://`);
  }
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw usageError(`--allowed-host "${text}" must be an origin only (scheme://host[:port]), without path, query or credentials`);
  }
  if (url.hostname.includes('*')) {
    throw usageError(`--allowed-host "${text}": a wildcard is only allowed as the first label, as in https://*.example.com`);
  }
  if (wildcard) {
    const suffix = url.hostname.slice(WILDCARD_LABEL.length);
    return { kind: 'subdomains', protocol: url.protocol, suffix, port: url.port };
  }
  return { kind: 'origin', origin: url.origin };
}

/** Throws a usage error naming the first entry that is not a valid origin. */
export function parseAllowList(entries: readonly string[]): AllowList {
  return { entries: entries.map(parseEntry) };
}

export function isAllowed(list: AllowList, url: URL): boolean {
  return list.entries.some((entry) => {
    switch (entry.kind) {
      case 'all':
        return true;
      case 'origin':
        return url.origin === entry.origin;
      case 'subdomains':
        return (
          url.protocol === entry.protocol &&
          url.port === entry.port &&
          url.hostname.endsWith(entry.suffix) &&
          url.hostname.length > entry.suffix.length
        );
    }
  });
}
