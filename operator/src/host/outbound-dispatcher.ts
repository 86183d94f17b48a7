// The HTTP client of one guest: undici's Agent (keep-alive pools per origin,
// as its global dispatcher has them) whose connections resolve host names
// through the DNS rule of destination-guard.ts. A pool serves one origin, so
// each gets a lookup that knows the scheme and port the rule compares.
import { Agent, Pool, type Dispatcher } from 'undici';
import type { AllowList } from './allow-list.js';
import { guardedLookup, type LookupFunction } from './destination-guard.js';

export function createOutboundDispatcher(list: AllowList, resolve?: LookupFunction): Dispatcher {
  return new Agent({
    factory: (origin, options) => {
      const url = new URL(String(origin));
      // The Agent hands each pool its own options; ours set no connect options of their own.
      return new Pool(url, { ...(options as Pool.Options), connect: { lookup: guardedLookup(list, url, resolve) } });
    },
  });
}
