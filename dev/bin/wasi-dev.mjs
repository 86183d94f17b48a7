#!/usr/bin/env node
// Entry point of the development harness (`npm start`, `npm run dev -- cluster up`):
// the local cluster, the demo, the Go tool builds and the local images.
import { ensureSupportedNode } from '../../bin/ensure-node.mjs';

await ensureSupportedNode(import.meta.url, []);
const { main } = await import('../../dist/dev/cli/wasi-dev.js');
process.exitCode = await main(process.argv.slice(2));
