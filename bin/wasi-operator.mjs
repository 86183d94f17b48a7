#!/usr/bin/env node
// Entry point of the `wasi-operator` binary (controller, smoke, rerun): the product.
import { ensureSupportedNode } from './ensure-node.mjs';

await ensureSupportedNode(import.meta.url, []);
const { main } = await import('../dist/operator/src/cli/wasi-operator.js');
process.exitCode = await main(process.argv.slice(2));
