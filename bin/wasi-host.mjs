#!/usr/bin/env node
// Entry point of the `wasi-host` binary: runs one WASI guest.
import { ensureSupportedNode } from './ensure-node.mjs';

await ensureSupportedNode(import.meta.url, ['--experimental-wasm-jspi']);
const { main } = await import('../dist/operator/src/cli/wasi-host.js');
process.exitCode = await main(process.argv.slice(2));
