// The reference for host-call-overhead.bench.mjs: the same N sequential Dapr
// state GETs that guest/build/dapr-get-loop.wasm makes, with plain fetch, each
// one read to the end of its body with its ETag header looked at (as the
// guest's DaprClient.getState does). Only the loop is timed. Before it, one
// untimed GET of /v1.0/healthz/outbound, as wasi-host makes before its guest
// starts (so both have fetch loaded when timing starts). Prints one JSON line
// {loopMillis, count, etags}; exits 1 on the first GET that is not 200 or 204.
//
//   node test/bench/children/plain-get-loop.mjs URL [N=2000]
const url = process.argv[2];
const count = Number(process.argv[3] ?? 2000);

const ready = await fetch(new URL('/v1.0/healthz/outbound', url));
await ready.arrayBuffer();

let etags = 0;
const started = performance.now();
for (let i = 0; i < count; i++) {
  const response = await fetch(url);
  const body = await response.arrayBuffer();
  if (response.headers.get('etag') !== null) etags++;
  if (response.status !== 200 && response.status !== 204) {
    process.stderr.write(`GET ${url} → ${response.status}: ${Buffer.from(body).toString()}\n`);
    process.exit(1);
  }
}
const loopMillis = performance.now() - started;
process.stdout.write(`${JSON.stringify({ loopMillis, count, etags })}\n`);
