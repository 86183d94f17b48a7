// The real environment the building-block tests (AssemblyScript and Go
// guests) run against: a redis-server, a daprd whose Components are real
// (pubsub.redis `pubsub` and bindings.redis `cache` on that Redis,
// bindings.http `webhook` to a local server, secretstores.local.file
// `secretstore` on a JSON file in a temp dir) and a local HTTP app that daprd
// invokes (`appId`; started first, then daprd with --app-port).
//
//   let env: BlocksEnv | undefined;
//   beforeAll(async () => { env = await startBlocksEnv('blocks-host'); }, 120_000);
//   afterAll(async () => { await env?.stop(); });
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { httpBindingComponent, localFileSecretStoreComponent, redisBindingComponent, redisPubSubComponent, writeSecretsFile } from './dapr-components.js';
import { startDaprd, type TestDaprd } from './daprd.js';
import { startHttpServer, type TestHttpServer } from './http-server.js';
import { startRedis, type TestRedis } from './redis.js';

/** What `secretstore` holds. */
const BLOCKS_SECRETS = { 'db-password': 's3cret', api: { token: 't0k-en' } };

export interface BlocksEnv {
  redis: TestRedis;
  /** Connected to `redis`, to read what the guests wrote. */
  client: Redis;
  /** The bindings.http target at /hook: answers `{"received": <body>}`. */
  webhook: TestHttpServer;
  /** The invoked app: /greet, /orders/7, /echo/with%20space, /teapot (418). */
  app: TestHttpServer;
  daprd: TestDaprd;
  /** Stops everything started; safe after a failed start. */
  stop(): Promise<void>;
}

export async function startBlocksEnv(appId: string): Promise<BlocksEnv> {
  const started: Partial<BlocksEnv> & { secretsDir?: string } = {};
  const stop = async () => {
    started.client?.disconnect();
    await started.daprd?.stop();
    await started.app?.stop();
    await started.webhook?.stop();
    await started.redis?.stop();
    if (started.secretsDir) rmSync(started.secretsDir, { recursive: true, force: true });
  };
  try {
    const redis = (started.redis = await startRedis());
    started.client = new Redis({ host: redis.host, port: redis.port, lazyConnect: true, maxRetriesPerRequest: 1 });
    await started.client.connect();
    started.secretsDir = mkdtempSync(join(tmpdir(), 'blocks-secrets-'));
    const secretsFile = writeSecretsFile(started.secretsDir, BLOCKS_SECRETS);
    const webhook = (started.webhook = await startHttpServer({
      '/hook': (_req, res, body) => {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ received: body.toString('utf8') }));
      },
    }));
    const app = (started.app = await startHttpServer({
      '/greet': (req, res, body) => {
        res.setHeader('Content-Type', 'text/plain');
        res.end(`hello from the app: ${req.method} ${body.toString('utf8')}`);
      },
      '/orders/7': (_req, res) => {
        res.setHeader('Content-Type', 'application/json');
        res.end('{"order":7,"status":"shipped"}');
      },
      '/echo/with%20space': (req, res) => {
        res.setHeader('Content-Type', 'text/plain');
        res.end(req.url);
      },
      '/teapot': (_req, res) => {
        res.statusCode = 418;
        res.end('short and stout');
      },
    }));
    started.daprd = await startDaprd({
      appId,
      redisAddress: redis.address,
      components: [
        redisPubSubComponent({ name: 'pubsub', redisAddress: redis.address }),
        redisBindingComponent({ name: 'cache', redisAddress: redis.address }),
        httpBindingComponent({ name: 'webhook', url: webhook.origin }),
        localFileSecretStoreComponent({ name: 'secretstore', secretsFile }),
      ],
      appPort: app.port,
    });
    return { ...(started as Omit<BlocksEnv, 'stop'>), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
