import { readFileSync } from 'node:fs';
await import('@kubernetes/client-node');
await new Promise(r => setTimeout(r, 1500));
globalThis.gc?.();
await new Promise(r => setTimeout(r, 500));
console.log((process.memoryUsage().rss/1048576).toFixed(1), readFileSync('/proc/self/smaps_rollup','utf8').split('\n').filter(l=>/Rss|Anon|Private/.test(l)).join(' | ').replace(/\s+/g,' '));
