// The AssemblyScript DaprClient's other building blocks (publish, output
// bindings, secrets, service invocation) under wasi-host, against a real daprd
// whose Components are real: pubsub.redis and bindings.redis on a real
// redis-server, secretstores.local.file on a file in a temp dir, bindings.http
// to a local HTTP server, and a local HTTP app daprd invokes (--app-port).
// The guest is guest/src/tests/dapr-building-blocks.ts.
import type { Redis } from 'ioredis';
import { startBlocksEnv, type BlocksEnv } from '../helpers/dapr-blocks-env.js';
import type { TestDaprd } from '../helpers/daprd.js';
import type { TestHttpServer } from '../helpers/http-server.js';
import { fact, factsOf, guestModule, runWasiHost, type WasiHostRun } from '../helpers/wasi-host.js';

const APP_ID = 'blocks-host';

let env: BlocksEnv | undefined;
let client: Redis | undefined;
let webhook: TestHttpServer | undefined;
let app: TestHttpServer | undefined;
let daprd: TestDaprd | undefined;

beforeAll(async () => {
  env = await startBlocksEnv(APP_ID);
  ({ client, webhook, app, daprd } = env);
}, 120_000);

afterAll(async () => {
  await env?.stop();
});

/** Runs the guest with the sidecar's env; `env` becomes --env NAME=VALUE (guest env). */
async function blocks(args: string[], env: Record<string, string> = {}): Promise<WasiHostRun> {
  const envFlags = Object.entries(env).flatMap(([name, value]) => ['--env', `${name}=${value}`]);
  return runWasiHost(['run', guestModule('dapr-building-blocks'), ...envFlags, '--', ...args], { env: daprd!.env });
}

/** The request lines BLOCKS_LOG=1 printed (`POST <url> with <body>`, `GET <url>`): their URLs. */
function loggedUrls(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /.test(line))
    .map((line) => line.split(' ')[1]!);
}

/** A value as the guest printed it, with its \\ \n \r escapes undone. */
function unescaped(printed: string): string {
  return printed.replace(/\\([\\nr])/g, (_all, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : '\\'));
}

function requestsTo(server: TestHttpServer, path: string) {
  return server.requests.filter((request) => request.path === path);
}

test('a published event lands in the Redis stream named after the topic, as a CloudEvent', async () => {
  const run = await blocks(['publish', 'pubsub', 'orders', '{"orderId":7,"item":"X-Wing"}']);

  expect(run.stderr).not.toContain('abort');
  expect(fact(run.stdout, 'publish')).toBe('ok');
  expect(run.exitCode).toBe(0);
  const entries = await client!.xrange('orders', '-', '+');
  expect(entries).toHaveLength(1);
  const [, fields] = entries[0]!;
  const data = fields[fields.indexOf('data') + 1]!;
  expect(JSON.parse(data)).toMatchObject({
    data: { orderId: 7, item: 'X-Wing' },
    datacontenttype: 'application/json',
    topic: 'orders',
    pubsubname: 'pubsub',
    source: APP_ID,
    type: 'com.dapr.event.sent',
  });
});

test('a text event published with rawPayload metadata lands in the stream as sent', async () => {
  const run = await blocks(['publish', 'pubsub', 'raw-notes', 'just text, no envelope', 'text/plain', 'meta.rawPayload=true']);

  expect(fact(run.stdout, 'publish')).toBe('ok');
  expect(run.exitCode).toBe(0);
  const entries = await client!.xrange('raw-notes', '-', '+');
  expect(entries).toHaveLength(1);
  const [, fields] = entries[0]!;
  expect(fields[fields.indexOf('data') + 1]).toBe('just text, no envelope');
  expect(JSON.parse(fields[fields.indexOf('metadata') + 1]!)).toEqual({ rawPayload: 'true' });
});

test('publishing non-JSON data as application/json is refused in the guest, nothing reaches the stream', async () => {
  const run = await blocks(['publish', 'pubsub', 'refused', 'not json']);

  expect(run.stdout).toContain('publish:error:0::the data is not JSON but the content type is application/json');
  expect(run.exitCode).toBe(1);
  expect(await client!.exists('refused')).toBe(0);
});

test('a secret from a secretstores.local.file JSON file is printed by the guest, nested keys with the separator', async () => {
  const run = await blocks(['secret', 'secretstore', 'db-password', 'then', 'secret', 'secretstore', 'api:token']);

  const secrets = factsOf(run.stdout).filter(([key]) => key === 'secret').map(([, value]) => value);
  expect(secrets).toEqual(['db-password=s3cret', 'api:token=t0k-en']);
  expect(run.stdout).toContain('secret-count:1');
  expect(run.exitCode).toBe(0);
});

test('an output binding call (bindings.http) reaches the local server through the sidecar; the guest prints its answer', async () => {
  const run = await blocks(['binding', 'webhook', 'post', '{"hello":"world","n":1}', 'meta.path=/hook', 'meta.X-Trace-Me=yes'], {
    BLOCKS_LOG: '1',
  });

  expect(fact(run.stdout, 'binding')).toBe('ok');
  expect(run.exitCode).toBe(0);
  const received = requestsTo(webhook!, '/hook');
  expect(received).toHaveLength(1);
  expect(received[0]!.method).toBe('POST');
  expect(JSON.parse(received[0]!.body.toString('utf8'))).toEqual({ hello: 'world', n: 1 });
  expect(received[0]!.headers['x-trace-me']).toBe('yes');
  expect(JSON.parse(unescaped(fact(run.stdout, 'binding-data')!))).toEqual({ received: '{"hello":"world","n":1}' });
  expect(loggedUrls(run.stdout)).toEqual([`${daprd!.origin}/v1.0/bindings/webhook`]);
});

test('an output binding call (bindings.redis create) writes the Redis key; get reads it back', async () => {
  const run = await blocks([
    'binding', 'cache', 'create', '{"weapon":"Death Star"}', 'meta.key=blocks-binding-key',
    'then', 'binding', 'cache', 'get', '-', 'meta.key=blocks-binding-key',
  ]);

  expect(run.exitCode).toBe(0);
  expect(await client!.get('blocks-binding-key')).toBe('{"weapon":"Death Star"}');
  const answers = factsOf(run.stdout).filter(([key]) => key === 'binding-data').map(([, value]) => value);
  expect(answers).toEqual(['', '{"weapon":"Death Star"}']);
});

test('a method invocation reaches the local app through daprd; the guest prints its reply', async () => {
  const run = await blocks(['invoke', APP_ID, 'greet', 'POST', '{"name":"Leia"}', 'then', 'invoke', APP_ID, 'orders/7', 'GET'], {
    BLOCKS_LOG: '1',
  });

  expect(run.exitCode).toBe(0);
  const greet = requestsTo(app!, '/greet');
  expect(greet).toHaveLength(1);
  expect(greet[0]!.method).toBe('POST');
  expect(greet[0]!.body.toString('utf8')).toBe('{"name":"Leia"}');
  expect(greet[0]!.headers['content-type']).toBe('application/json');
  expect(requestsTo(app!, '/orders/7')).toHaveLength(1);
  const facts = factsOf(run.stdout);
  expect(facts.filter(([key]) => key === 'invoke-status').map(([, v]) => v)).toEqual(['200', '200']);
  expect(facts.filter(([key]) => key === 'invoke-body').map(([, v]) => v)).toEqual([
    'hello from the app: POST {"name":"Leia"}',
    '{"order":7,"status":"shipped"}',
  ]);
  expect(facts.filter(([key]) => key === 'invoke-content-type').map(([, v]) => v)).toEqual(['text/plain', 'application/json']);
  expect(loggedUrls(run.stdout)).toEqual([
    `${daprd!.origin}/v1.0/invoke/${APP_ID}/method/greet`,
    `${daprd!.origin}/v1.0/invoke/${APP_ID}/method/orders/7`,
  ]);
});

test('an invoked method keeps its path segments and query; spaces are encoded once', async () => {
  const run = await blocks(['invoke', APP_ID, 'echo/with space?x=1&y=two', 'GET']);

  expect(run.exitCode).toBe(0);
  expect(fact(run.stdout, 'invoke-body')).toBe('/echo/with%20space?x=1&y=two');
});

test("an app's non-2xx answer is a DaprError with the app's status and body; the guest does not trap", async () => {
  const run = await blocks(['invoke', APP_ID, 'teapot', 'GET']);

  expect(fact(run.stdout, 'invoke-status')).toBe('418');
  expect(run.stdout).toContain('invoke:error:418::short and stout');
  expect(run.exitCode).toBe(1);
  expect(run.result).toMatchObject({ exitCode: 1, reason: 'ExitCode' });
});

test.each([
  ['an unknown pubsub', ['publish', 'no-such-pubsub', 'orders', '{}'], 'publish:error:404:ERR_PUBSUB_NOT_FOUND:pubsub no-such-pubsub is not found'],
  ['an unknown secret store', ['secret', 'no-such-store', 'db-password'], 'secret:error:401:ERR_SECRET_STORE_NOT_FOUND:'],
  ['a missing secret', ['secret', 'secretstore', 'no-such-secret'], 'secret:error:500:ERR_SECRET_GET:'],
  ['an unknown binding', ['binding', 'no-such-binding', 'post', '{}'], 'binding:error:500:ERR_INVOKE_OUTPUT_BINDING:'],
  ['an unknown app id', ['invoke', 'no-such-app', 'greet', 'GET'], 'invoke:error:500:ERR_DIRECT_INVOKE:'],
])("%s gives a DaprError with Dapr's errorCode, printed by the guest, which exits 1 instead of trapping", async (_what, args, line) => {
  const run = await blocks(args);

  expect(run.stdout.split('\n').some((printed) => printed.startsWith(line))).toBe(true);
  expect(run.exitCode).toBe(1);
  expect(run.result).toMatchObject({ exitCode: 1, passed: false, reason: 'ExitCode' });
  expect(run.stderr).not.toMatch(/abort|unreachable|RuntimeError/);
});

test('a guest pointed at the app or the binding target directly (not the sidecar) is refused by the host; nothing reaches them', async () => {
  const greetBefore = requestsTo(app!, '/greet').length;
  const hookBefore = requestsTo(webhook!, '/hook').length;
  const direct = await blocks(['invoke', APP_ID, 'greet', 'GET'], { BLOCKS_ENDPOINT: app!.origin });
  const viaHook = await blocks(['binding', 'webhook', 'post', '{}'], { BLOCKS_ENDPOINT: webhook!.origin });

  expect(direct.stdout).toContain(`endpoint:${app!.origin}`);
  expect(direct.stdout).toContain('invoke:http-code:7');
  expect(direct.stdout).toContain('invoke:error:0::DestinationNotAllowed (7)');
  expect(direct.exitCode).toBe(1);
  expect(viaHook.stdout).toContain('binding:http-code:7');
  expect(viaHook.exitCode).toBe(1);
  expect(requestsTo(app!, '/greet')).toHaveLength(greetBefore);
  expect(requestsTo(webhook!, '/hook')).toHaveLength(hookBefore);
  expect(app!.requests.some((request) => request.path.startsWith('/v1.0/'))).toBe(false);
  expect(webhook!.requests.some((request) => request.path.startsWith('/v1.0/'))).toBe(false);
});
