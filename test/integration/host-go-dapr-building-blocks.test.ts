// The Go Dapr client's other building blocks (guest/go/cmd/dapr-publish,
// dapr-secret, dapr-binding, dapr-invoke) under wasi-host, against a real
// daprd whose Components are real: pubsub.redis and bindings.redis on a real
// redis-server, secretstores.local.file on a JSON file in a temp dir,
// bindings.http to a local HTTP server, and a local HTTP app that daprd
// invokes (started first, then daprd with --app-port).
import type { Redis } from 'ioredis';
import { startBlocksEnv, type BlocksEnv } from '../helpers/dapr-blocks-env.js';
import type { TestDaprd } from '../helpers/daprd.js';
import type { TestHttpServer } from '../helpers/http-server.js';
import { fact, factsOf, guestModule, runWasiHost, type WasiHostRun } from '../helpers/wasi-host.js';

const APP_ID = 'go-blocks-host';

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

function goGuest(name: string, args: string[], hostFlags: string[] = []): Promise<WasiHostRun> {
  return runWasiHost(['run', guestModule(`go-${name}`), ...hostFlags, '--', ...args], { env: daprd!.env });
}

function all(run: WasiHostRun, key: string): string[] {
  return factsOf(run.stdout).filter(([name]) => name === key).map(([, value]) => value);
}

/** What follows `<prefix>:` on the first line that starts with it (keys like `publish:error` hold a colon). */
function after(run: WasiHostRun, prefix: string): string | undefined {
  const line = run.stdout.split('\n').find((printed) => printed.startsWith(`${prefix}:`));
  return line === undefined ? undefined : line.slice(prefix.length + 1);
}

/** A value as facts.Print wrote it, with its \\ \n \r escapes undone. */
function unescaped(printed: string): string {
  return printed.replace(/\\([\\nr])/g, (_all, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : '\\'));
}

function requestsTo(server: TestHttpServer, path: string) {
  return server.requests.filter((request) => request.path === path);
}

function streamField(fields: string[], name: string): string | undefined {
  const at = fields.indexOf(name);
  return at >= 0 ? fields[at + 1] : undefined;
}

test('a JSON event published by the Go guest lands in the Redis stream named after the topic, as a CloudEvent', async () => {
  const run = await goGuest('dapr-publish', ['pubsub', 'go-orders', '{"orderId":7,"item":"X-Wing"}']);

  expect(fact(run.stdout, 'publish')).toBe('ok');
  expect(run.exitCode).toBe(0);
  const entries = await client!.xrange('go-orders', '-', '+');
  expect(entries).toHaveLength(1);
  expect(JSON.parse(streamField(entries[0]![1], 'data')!)).toMatchObject({
    data: { orderId: 7, item: 'X-Wing' },
    datacontenttype: 'application/json',
    topic: 'go-orders',
    pubsubname: 'pubsub',
    source: APP_ID,
    type: 'com.dapr.event.sent',
  });
});

test('a text event published with rawPayload metadata lands in the stream as sent', async () => {
  const run = await goGuest('dapr-publish', ['pubsub', 'go-notes', 'just text, no envelope', 'text/plain', 'meta.rawPayload=true']);

  expect(fact(run.stdout, 'publish')).toBe('ok');
  const entries = await client!.xrange('go-notes', '-', '+');
  expect(entries).toHaveLength(1);
  expect(streamField(entries[0]![1], 'data')).toBe('just text, no envelope');
});

test('publishing data that is not JSON as application/json is refused in the guest; nothing reaches the stream', async () => {
  const run = await goGuest('dapr-publish', ['pubsub', 'go-refused', 'not json']);

  expect(after(run, 'publish:error')).toMatch(/^0::json: error calling MarshalJSON/);
  expect(run.exitCode).toBe(1);
  expect(await client!.exists('go-refused')).toBe(0);
});

test('secrets from a secretstores.local.file JSON file reach the Go guest, nested keys joined with ":"', async () => {
  const run = await goGuest('dapr-secret', ['secretstore', 'db-password', 'api:token']);

  expect(all(run, 'secret')).toEqual(['db-password=s3cret', 'api:token=t0k-en']);
  expect(run.exitCode).toBe(0);
  const bulk = await goGuest('dapr-secret', ['secretstore', '--bulk']);
  expect(fact(bulk.stdout, 'secret-count')).toBe('2');
  expect(all(bulk, 'secret')).toEqual(['api:token=t0k-en', 'db-password=s3cret']);
});

test('an output binding call (bindings.http) reaches the local server through the sidecar; the guest prints its answer', async () => {
  const before = requestsTo(webhook!, '/hook').length;
  const run = await goGuest('dapr-binding', ['webhook', 'post', '{"hello":"world","n":1}', 'meta.path=/hook', 'meta.X-Trace-Me=yes']);

  expect(fact(run.stdout, 'binding')).toBe('ok');
  expect(run.exitCode).toBe(0);
  const received = requestsTo(webhook!, '/hook').slice(before);
  expect(received).toHaveLength(1);
  expect(received[0]!.method).toBe('POST');
  expect(JSON.parse(received[0]!.body.toString('utf8'))).toEqual({ hello: 'world', n: 1 });
  expect(received[0]!.headers['x-trace-me']).toBe('yes');
  expect(JSON.parse(unescaped(fact(run.stdout, 'binding-data')!))).toEqual({ received: '{"hello":"world","n":1}' });
  // bindings.http reports the target's status as response metadata (Dapr's metadata.* headers).
  expect(all(run, 'binding-meta')).toContain('statuscode=200');
});

test('an output binding call (bindings.redis create) writes the Redis key; get reads it back', async () => {
  const created = await goGuest('dapr-binding', ['cache', 'create', '{"weapon":"Death Star"}', 'meta.key=go-binding-key']);
  expect(fact(created.stdout, 'binding')).toBe('ok');
  expect(await client!.get('go-binding-key')).toBe('{"weapon":"Death Star"}');

  const got = await goGuest('dapr-binding', ['cache', 'get', '-', 'meta.key=go-binding-key']);
  expect(fact(got.stdout, 'binding-data')).toBe('{"weapon":"Death Star"}');
  expect(got.exitCode).toBe(0);
});

test('a method invocation reaches the local app through daprd; the guest prints its reply', async () => {
  const post = await goGuest('dapr-invoke', [APP_ID, 'greet', 'POST', '{"name":"Leia"}']);
  const get = await goGuest('dapr-invoke', [APP_ID, 'orders/7']);

  const greet = requestsTo(app!, '/greet');
  expect(greet).toHaveLength(1);
  expect(greet[0]!.method).toBe('POST');
  expect(greet[0]!.body.toString('utf8')).toBe('{"name":"Leia"}');
  expect(greet[0]!.headers['content-type']).toBe('application/json');
  expect(requestsTo(app!, '/orders/7')).toHaveLength(1);
  expect(factsOf(post.stdout)).toEqual([
    ['invoke-status', '200'],
    ['invoke-content-type', 'text/plain'],
    ['invoke-body', 'hello from the app: POST {"name":"Leia"}'],
  ]);
  expect(fact(get.stdout, 'invoke-body')).toBe('{"order":7,"status":"shipped"}');
  expect(fact(get.stdout, 'invoke-content-type')).toBe('application/json');
  expect([post.exitCode, get.exitCode]).toEqual([0, 0]);
});

test("an app's non-2xx answer is a dapr.Error with the app's status and body; the guest exits 1, no trap", async () => {
  const run = await goGuest('dapr-invoke', [APP_ID, 'teapot']);

  expect(after(run, 'invoke:error')).toBe('418::short and stout');
  expect(run.exitCode).toBe(1);
  expect(run.result).toMatchObject({ exitCode: 1, reason: 'ExitCode' });
});

test.each([
  ['an unknown pubsub', 'dapr-publish', ['no-such-pubsub', 'orders', '{}'], 'publish:error', '404:ERR_PUBSUB_NOT_FOUND:pubsub no-such-pubsub is not found'],
  ['an unknown secret store', 'dapr-secret', ['no-such-store', 'db-password'], 'secret:error', '401:ERR_SECRET_STORE_NOT_FOUND:'],
  ['a missing secret', 'dapr-secret', ['secretstore', 'no-such-secret'], 'secret:error', '500:ERR_SECRET_GET:'],
  ['an unknown binding', 'dapr-binding', ['no-such-binding', 'post', '{}'], 'binding:error', '500:ERR_INVOKE_OUTPUT_BINDING:'],
  ['an unknown app id', 'dapr-invoke', ['no-such-app', 'greet'], 'invoke:error', '500:ERR_DIRECT_INVOKE:'],
])("%s is a dapr.Error with Dapr's errorCode; the Go guest prints it and exits 1", async (_what, guest, args, key, prefix) => {
  const run = await goGuest(guest, args);

  expect(after(run, key)?.slice(0, prefix.length)).toBe(prefix);
  expect(run.exitCode).toBe(1);
  expect(run.result).toMatchObject({ exitCode: 1, passed: false, reason: 'ExitCode' });
  expect(run.stderr).not.toMatch(/panic|unreachable|RuntimeError/);
});

test('a sidecar outside the allow-list is DestinationNotAllowed (7) in the Go guest; nothing is published or invoked', async () => {
  const greetBefore = requestsTo(app!, '/greet').length;
  const deny = ['--allowed-host', `http://localhost:${daprd!.httpPort}`];
  const publish = await goGuest('dapr-publish', ['pubsub', 'go-denied', '{}'], deny);
  const invoke = await goGuest('dapr-invoke', [APP_ID, 'greet', 'POST', '{}'], deny);

  for (const [run, block] of [[publish, 'publish'], [invoke, 'invoke']] as const) {
    expect(after(run, `${block}:http-code`)).toBe('7');
    expect(after(run, `${block}:error`)).toContain('DestinationNotAllowed (7)');
    expect(run.exitCode).toBe(1);
  }
  expect(await client!.exists('go-denied')).toBe(0);
  expect(requestsTo(app!, '/greet')).toHaveLength(greetBefore);
});
