// Dapr Component YAML for the building-block tests, to pass to startDaprd's
// `components` (test/helpers/daprd.ts). Any guest language's tests can use it:
// the builders only write YAML, they start nothing.
//
//   const secrets = writeSecretsFile(dir, { 'db-password': 's3cret' });
//   daprd = await startDaprd({
//     appId: 'blocks',
//     redisAddress: redis.address,                    // state store `statestore`
//     components: [
//       redisPubSubComponent({ name: 'pubsub', redisAddress: redis.address }),
//       localFileSecretStoreComponent({ name: 'secretstore', secretsFile: secrets }),
//       httpBindingComponent({ name: 'webhook', url: server.origin }),
//       redisBindingComponent({ name: 'cache', redisAddress: redis.address }),
//     ],
//     appPort: app.port,                              // for /v1.0/invoke/<appId>/method/...
//   });
//
// What each Component does with a request (Dapr 1.18, the facts the tests rely on):
// - pubsub.redis: `POST /v1.0/publish/<pubsub>/<topic>` → 204 and an XADD to the
//   Redis stream named after the topic (no prefix); the entry's `data` field
//   holds the CloudEvent JSON (the payload under `data`, or `data_base64` for
//   binary content types).
// - secretstores.local.file: `GET /v1.0/secrets/<store>/<key>` → 200 `{"<key>":"<value>"}`;
//   nested JSON objects are flattened with `nestedSeparator` (default `:`).
// - bindings.http: `POST /v1.0/bindings/<name>` with `{"operation":"post","data":…,
//   "metadata":{"path":"/x"}}` sends the data to `<url>/x` and answers with the
//   target's body; operations create/get/post/put/patch/delete/head/options/trace.
// - bindings.redis: operation `create` with metadata `key` → SET key data;
//   `get` → the value; `delete` → DEL.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export { stateStoreComponent } from './daprd.js';

/** One file for startDaprd's `components`: written as `<name>.yaml` into daprd's resources dir. */
export interface ComponentFile {
  name: string;
  yaml: string;
}

export interface ComponentSpec {
  /** metadata.name: what the Dapr API calls it (`/v1.0/publish/<name>/…`). */
  name: string;
  /** spec.type, e.g. `pubsub.redis`. */
  type: string;
  /** spec.version (default v1). */
  version?: string;
  /** spec.metadata entries; values are written as YAML strings. */
  metadata?: Record<string, string | number | boolean>;
  /** App ids allowed to use it (all when absent). */
  scopes?: string[];
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Dapr `Component` (dapr.io/v1alpha1) of any type. */
export function component(spec: ComponentSpec): ComponentFile {
  if (!NAME.test(spec.name)) throw new Error(`component name ${JSON.stringify(spec.name)} is not a DNS label`);
  const entries = Object.entries(spec.metadata ?? {});
  const metadata =
    entries.length === 0
      ? '  metadata: []\n'
      : `  metadata:\n${entries.map(([name, value]) => `  - name: ${name}\n    value: ${JSON.stringify(String(value))}\n`).join('')}`;
  const scopes = spec.scopes && spec.scopes.length > 0 ? `scopes:\n${spec.scopes.map((id) => `- ${JSON.stringify(id)}\n`).join('')}` : '';
  const yaml = `apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: ${spec.name}
spec:
  type: ${spec.type}
  version: ${spec.version ?? 'v1'}
${metadata}${scopes}`;
  return { name: spec.name, yaml };
}

export interface RedisComponentOptions {
  name: string;
  /** host:port of the Redis server (TestRedis.address). */
  redisAddress: string;
  /** More spec.metadata (redisPassword, enableTLS, …). */
  metadata?: Record<string, string | number | boolean>;
  scopes?: string[];
}

/** pubsub.redis (Redis streams): a published message is XADDed to the stream named after the topic. */
export function redisPubSubComponent(options: RedisComponentOptions): ComponentFile {
  return component({
    name: options.name,
    type: 'pubsub.redis',
    metadata: { redisHost: options.redisAddress, ...options.metadata },
    scopes: options.scopes,
  });
}

/** bindings.redis (output only): operations create (metadata `key`), get, delete. */
export function redisBindingComponent(options: RedisComponentOptions): ComponentFile {
  return component({
    name: options.name,
    type: 'bindings.redis',
    metadata: { redisHost: options.redisAddress, ...options.metadata },
    scopes: options.scopes,
  });
}

export interface HttpBindingOptions {
  name: string;
  /** Base URL the binding calls; a request's `metadata.path` is appended. */
  url: string;
  metadata?: Record<string, string | number | boolean>;
  scopes?: string[];
}

/** bindings.http (output only): each call is an HTTP request to `url` + metadata.path. */
export function httpBindingComponent(options: HttpBindingOptions): ComponentFile {
  return component({ name: options.name, type: 'bindings.http', metadata: { url: options.url, ...options.metadata }, scopes: options.scopes });
}

export interface LocalFileSecretStoreOptions {
  name: string;
  /** Absolute path of a JSON file (writeSecretsFile). */
  secretsFile: string;
  /** Separator for nested keys (default `:` in Dapr). */
  nestedSeparator?: string;
  /** true: a top-level key with an object value is one secret with several values. */
  multiValued?: boolean;
  scopes?: string[];
}

/** secretstores.local.file: secrets from a JSON file (for development; never in production). */
export function localFileSecretStoreComponent(options: LocalFileSecretStoreOptions): ComponentFile {
  const metadata: Record<string, string | boolean> = { secretsFile: options.secretsFile };
  if (options.nestedSeparator !== undefined) metadata.nestedSeparator = options.nestedSeparator;
  if (options.multiValued !== undefined) metadata.multiValued = options.multiValued;
  return component({ name: options.name, type: 'secretstores.local.file', metadata, scopes: options.scopes });
}

/** Writes `secrets` as JSON to `<dir>/<fileName>` (default secrets.json) and returns its path. */
export function writeSecretsFile(dir: string, secrets: Record<string, unknown>, fileName = 'secrets.json'): string {
  const path = join(dir, fileName);
  writeFileSync(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return path;
}
