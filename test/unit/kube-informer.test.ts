// ResilientInformer against a fake API server: a node:http server on
// 127.0.0.1 that plays the list and watch protocol (a JSON list with a
// resourceVersion; watch=true answered with newline-delimited events). The
// fake stands in only for edge cases a real API server cannot be made to
// produce on demand: a watch ended at a chosen moment, a BOOKMARK, an ERROR
// event with 410 Gone, a 500 on list, a resource that is not served and
// then is. Everything a real control plane can show is tested against one
// in test/integration.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, jest, test } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import { ResilientInformer, trimMetadata, type ResilientInformerOptions } from '../../operator/src/kube/informers.js';
import { KubeApiClient } from '../../operator/src/kube/api-client.js';
import { isNotFound } from '../../operator/src/kube/api-error.js';
import { eventually } from '../helpers/eventually.js';

const PODS = '/api/v1/namespaces/default/pods';
const log = pino({ level: 'silent' });

/** A pod as a list item: no kind or apiVersion (the list carries them). */
function pod(name: string, resourceVersion: string, extra: { namespace?: string; labels?: Record<string, string> } = {}): V1Pod {
  return { metadata: { name, namespace: extra.namespace ?? 'default', resourceVersion, ...(extra.labels ? { labels: extra.labels } : {}) } };
}

/** A pod as a watch event carries it: with kind and apiVersion. */
function watched(name: string, resourceVersion: string, extra: { namespace?: string; labels?: Record<string, string> } = {}): V1Pod {
  return { apiVersion: 'v1', kind: 'Pod', ...pod(name, resourceVersion, extra) };
}

function podList(resourceVersion: string, items: V1Pod[]): unknown {
  return { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion }, items };
}

function status(code: number, reason: string, message: string): unknown {
  return { apiVersion: 'v1', kind: 'Status', status: 'Failure', code, reason, message };
}

/** How long to wait for what the fake server and the informer do over real HTTP. */
const soon = { timeoutMs: 3000, intervalMs: 5 };

/** Lets every promise callback and I/O turn that is already due run: what "nothing else happened" means here. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** One open watch request: the test writes its events and ends it. */
class WatchStream {
  readonly closed: Promise<void>;
  isClosed = false;

  constructor(
    readonly query: URLSearchParams,
    private readonly res: ServerResponse,
  ) {
    this.closed = new Promise((resolve) =>
      res.on('close', () => {
        this.isClosed = true;
        resolve();
      }),
    );
  }

  send(type: string, object: unknown): void {
    this.res.write(`${JSON.stringify({ type, object })}\n`);
  }

  /** The server ends the watch normally, as at its timeoutSeconds. */
  end(): void {
    this.res.end();
  }

  /** The connection breaks mid-stream, as when the API server process dies. */
  drop(): void {
    this.res.socket?.destroy();
  }
}

interface Answer {
  status: number;
  body: unknown;
}

/** The fake API server: answers lists with `list()`, and watches with `watchAnswer()` or else an open stream. */
class FakeApiServer {
  list: () => Answer = () => ({ status: 200, body: podList('1', []) });
  /** An immediate answer to a watch request instead of a stream (e.g. 410 Gone); undefined streams. */
  watchAnswer: () => Answer | undefined = () => undefined;
  /** Watch requests get their connection closed without an answer (an API server that is down). */
  dropWatches = false;
  readonly droppedWatches: number[] = [];
  readonly listRequests: Array<{ at: number; query: URLSearchParams; path: string }> = [];
  readonly watches: WatchStream[] = [];
  private readonly server: Server;

  private constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  static async start(): Promise<FakeApiServer> {
    const fake = new FakeApiServer();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  client(): KubeApiClient {
    return new KubeApiClient({ server: this.url, tls: { rejectUnauthorized: true }, authorization: () => undefined, source: 'test' });
  }

  /** Waits for the watch request number `n` (1-based) to arrive. */
  async watch(n: number): Promise<WatchStream> {
    await eventually(`watch request #${n}`, () => this.watches.length >= n, soon);
    return this.watches[n - 1]!;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.searchParams.get('watch') === 'true') {
      if (this.dropWatches) {
        this.droppedWatches.push(Date.now());
        req.socket.destroy();
        return;
      }
      const answer = this.watchAnswer();
      if (answer) {
        this.watches.push(new WatchStream(url.searchParams, res));
        this.reply(res, answer);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.flushHeaders();
      this.watches.push(new WatchStream(url.searchParams, res));
      return;
    }
    this.listRequests.push({ at: Date.now(), query: url.searchParams, path: url.pathname });
    this.reply(res, this.list());
  }

  private reply(res: ServerResponse, answer: Answer): void {
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  }
}

/** What the handlers saw, as "add a", "update b@3", "delete c". */
interface Recorder {
  events: string[];
  objects: V1Pod[];
}

let fake: FakeApiServer | undefined;
let client: KubeApiClient | undefined;
let informer: ResilientInformer<V1Pod> | undefined;

afterEach(async () => {
  jest.useRealTimers();
  await informer?.stop();
  await client?.close();
  await fake?.close();
  informer = undefined;
  client = undefined;
  fake = undefined;
});

async function setUp(options: Partial<ResilientInformerOptions<V1Pod>> = {}): Promise<{ fake: FakeApiServer; informer: ResilientInformer<V1Pod>; seen: Recorder }> {
  fake = await FakeApiServer.start();
  client = fake.client();
  const seen: Recorder = { events: [], objects: [] };
  const record = (what: string) => (obj: V1Pod) => {
    seen.events.push(what === 'update' ? `update ${obj.metadata?.name}@${obj.metadata?.resourceVersion}` : `${what} ${obj.metadata?.name}`);
    seen.objects.push(obj);
  };
  informer = new ResilientInformer<V1Pod>({
    name: 'pods',
    api: client,
    path: PODS,
    log,
    handlers: { onAdd: record('add'), onUpdate: record('update'), onDelete: record('delete') },
    minBackoffMs: 20,
    maxBackoffMs: 200,
    ...options,
  });
  return { fake, informer, seen };
}

const names = (pods: ReadonlyArray<V1Pod>): string[] => pods.map((p) => p.metadata?.name ?? '').sort();

describe('ResilientInformer', () => {
  test('the first list fills the cache and fires onAdd per item, each given the kind and apiVersion of the list', async () => {
    const { fake, informer, seen } = await setUp({ labelSelector: 'app=demo' });
    fake.list = () => ({ status: 200, body: podList('10', [pod('a', '5'), pod('b', '7'), pod('c', '9', { namespace: 'other' })]) });
    expect(informer.synced).toBe(false);
    await informer.start();

    expect(informer.synced).toBe(true);
    expect(seen.events.sort()).toEqual(['add a', 'add b', 'add c']);
    expect(seen.objects.every((p) => p.kind === 'Pod' && p.apiVersion === 'v1')).toBe(true);
    expect(informer.get('a', 'default')?.metadata?.resourceVersion).toBe('5');
    expect(informer.get('c', 'other')?.kind).toBe('Pod');
    expect(informer.get('a', 'other')).toBeUndefined();
    expect(names(informer.list('default'))).toEqual(['a', 'b']);
    expect(names(informer.list())).toEqual(['a', 'b', 'c']);

    expect(fake.listRequests).toHaveLength(1);
    expect(fake.listRequests[0]!.path).toBe(PODS);
    expect(fake.listRequests[0]!.query.get('labelSelector')).toBe('app=demo');
    // Then the watch, from the list's resourceVersion.
    const watch = await fake.watch(1);
    expect(watch.query.get('resourceVersion')).toBe('10');
    expect(watch.query.get('allowWatchBookmarks')).toBe('true');
    expect(watch.query.get('labelSelector')).toBe('app=demo');
    const timeout = Number(watch.query.get('timeoutSeconds'));
    expect(timeout).toBeGreaterThanOrEqual(300);
    expect(timeout).toBeLessThan(600);
  });

  test('with WASI_OPERATOR_FREEZE_CACHE=1 (every test run) cached objects are frozen through and through, so a reconcile that writes into one throws', async () => {
    expect(process.env.WASI_OPERATOR_FREEZE_CACHE).toBe('1');
    const { fake, informer } = await setUp();
    fake.list = () => ({ status: 200, body: podList('10', [pod('a', '5', { labels: { v: '1' } })]) });
    await informer.start();
    const watch = await fake.watch(1);
    watch.send('ADDED', watched('b', '11', { labels: { v: '2' } }));
    await eventually('the watched pod', () => informer.get('b', 'default') !== undefined, soon);

    for (const cached of [informer.get('a', 'default')!, informer.get('b', 'default')!]) {
      expect(() => {
        cached.metadata!.labels!.v = 'changed';
      }).toThrow(TypeError);
      expect(() => {
        cached.status = {};
      }).toThrow(TypeError);
    }
    expect(informer.get('a', 'default')?.metadata?.labels).toEqual({ v: '1' });
  });

  test('watch ADDED, MODIFIED and DELETED update the cache and fire the handlers; a MODIFIED with the same resourceVersion fires nothing', async () => {
    const { fake, informer, seen } = await setUp();
    fake.list = () => ({ status: 200, body: podList('10', [pod('a', '5')]) });
    await informer.start();
    const watch = await fake.watch(1);

    watch.send('ADDED', watched('b', '11', { labels: { v: '1' } }));
    watch.send('MODIFIED', watched('a', '12', { labels: { v: '2' } }));
    watch.send('MODIFIED', watched('a', '12', { labels: { v: 'same resourceVersion, ignored' } }));
    watch.send('DELETED', watched('b', '13'));
    watch.send('ADDED', watched('c', '14'));
    await eventually('the last event', () => seen.events.includes('add c'), soon);

    expect(seen.events).toEqual(['add a', 'add b', 'update a@12', 'delete b', 'add c']);
    expect(informer.get('a', 'default')?.metadata?.labels).toEqual({ v: '2' });
    expect(informer.get('b', 'default')).toBeUndefined();
    expect(names(informer.list())).toEqual(['a', 'c']);
    expect(fake.listRequests).toHaveLength(1);
  });

  test('a watch the server ends is resumed from the last resourceVersion seen, moved by a BOOKMARK too, without a relist', async () => {
    const { fake, informer, seen } = await setUp();
    fake.list = () => ({ status: 200, body: podList('10', [pod('a', '5')]) });
    await informer.start();

    const first = await fake.watch(1);
    expect(first.query.get('resourceVersion')).toBe('10');
    first.send('MODIFIED', watched('a', '15'));
    first.end();
    const second = await fake.watch(2);
    expect(second.query.get('resourceVersion')).toBe('15');

    second.send('BOOKMARK', { apiVersion: 'v1', kind: 'Pod', metadata: { resourceVersion: '20' } });
    second.end();
    const third = await fake.watch(3);
    expect(third.query.get('resourceVersion')).toBe('20');

    expect(fake.listRequests).toHaveLength(1);
    // A bookmark is no change: no handler fired for it.
    expect(seen.events).toEqual(['add a', 'update a@15']);
    expect(names(informer.list())).toEqual(['a']);
  });

  test('an ERROR event with code 410 relists: vanished objects fire onDelete, new ones onAdd, changed ones onUpdate', async () => {
    const { fake, informer, seen } = await setUp();
    fake.list = () => ({ status: 200, body: podList('10', [pod('a', '5'), pod('b', '6'), pod('same', '7')]) });
    await informer.start();
    const first = await fake.watch(1);

    fake.list = () => ({ status: 200, body: podList('30', [pod('b', '25'), pod('same', '7'), pod('c', '28')]) });
    first.send('ERROR', status(410, 'Expired', 'too old resource version: 10 (20)'));
    // Events after the 410 in the same stream are dropped.
    first.send('ADDED', watched('late', '11'));

    const second = await fake.watch(2);
    expect(second.query.get('resourceVersion')).toBe('30');
    await first.closed;
    expect(fake.listRequests).toHaveLength(2);
    expect(seen.events.slice(3).sort()).toEqual(['add c', 'delete a', 'update b@25']);
    expect(names(informer.list())).toEqual(['b', 'c', 'same']);
    expect(informer.get('late', 'default')).toBeUndefined();
  });

  test('a watch answered with 410 Gone relists too', async () => {
    const { fake, informer, seen } = await setUp();
    fake.list = () => ({ status: 200, body: podList('10', [pod('a', '5')]) });
    fake.watchAnswer = () => (fake.watches.length === 0 ? { status: 410, body: status(410, 'Gone', 'too old resource version') } : undefined);
    await informer.start();
    fake.list = () => ({ status: 200, body: podList('40', [pod('d', '35')]) });

    const second = await fake.watch(2);
    expect(second.query.get('resourceVersion')).toBe('40');
    expect(fake.listRequests).toHaveLength(2);
    expect(seen.events.slice(1).sort()).toEqual(['add d', 'delete a']);
  });

  test('a watch whose connection breaks (the API server restarting) is resumed from the last resourceVersion with backoff and no relist; meanwhile the informer is not reachable', async () => {
    const reasons: string[] = [];
    const { fake, informer, seen } = await setUp({ onListed: (reason) => reasons.push(reason) });
    fake.list = () => ({ status: 200, body: podList('10', [pod('a', '5')]) });
    await informer.start();
    const first = await fake.watch(1);
    await eventually('the first watch to be taken', () => informer.reachable, soon);
    first.send('MODIFIED', watched('a', '12'));
    await eventually('the update', () => seen.events.length === 2, soon);

    fake.dropWatches = true;
    first.drop();
    await eventually('three refused watch attempts', () => fake.droppedWatches.length >= 3, soon);
    expect(informer.reachable).toBe(false);
    // Backoff between attempts: minBackoffMs 20, doubling.
    const gaps = fake.droppedWatches.slice(1).map((at, i) => at - fake.droppedWatches[i]!);
    expect(gaps[1]).toBeGreaterThanOrEqual(38);

    fake.dropWatches = false;
    const resumed = await fake.watch(2);
    expect(resumed.query.get('resourceVersion')).toBe('12');
    await eventually('reachable again', () => informer.reachable, soon);
    expect(fake.listRequests).toHaveLength(1);
    expect(reasons).toEqual(['start']);
    expect(seen.events).toEqual(['add a', 'update a@12']);
  });

  test('lists are reported with their reason: start, gone (410) and restart (after a failed watch)', async () => {
    const reasons: string[] = [];
    const { fake, informer } = await setUp({ onListed: (reason) => reasons.push(reason) });
    fake.list = () => ({ status: 200, body: podList('10', []) });
    await informer.start();
    (await fake.watch(1)).send('ERROR', status(410, 'Expired', 'too old resource version'));
    (await fake.watch(2)).send('ERROR', status(500, 'InternalError', 'etcd hiccup'));
    await fake.watch(3);
    expect(reasons).toEqual(['start', 'gone', 'restart']);
  });

  test('a watch ERROR other than 410 restarts the informer with a fresh list', async () => {
    const { fake, informer, seen } = await setUp();
    fake.list = () => ({ status: 200, body: podList('10', [pod('a', '5')]) });
    await informer.start();
    const first = await fake.watch(1);
    fake.list = () => ({ status: 200, body: podList('50', [pod('a', '45')]) });
    first.send('ERROR', status(500, 'InternalError', 'etcd hiccup'));

    const second = await fake.watch(2);
    expect(second.query.get('resourceVersion')).toBe('50');
    expect(fake.listRequests).toHaveLength(2);
    expect(seen.events).toEqual(['add a', 'update a@45']);
  });

  test('a 500 on list restarts with growing backoff; start() resolves only once a list succeeds', async () => {
    const { fake, informer, seen } = await setUp();
    let failures = 3;
    fake.list = () =>
      failures-- > 0 ? { status: 500, body: status(500, 'InternalError', 'etcd unavailable') } : { status: 200, body: podList('10', [pod('a', '5')]) };
    let started = false;
    const starting = informer.start().then(() => (started = true));
    await eventually('the second list', () => fake.listRequests.length >= 2, soon);
    expect(started).toBe(false);
    expect(informer.synced).toBe(false);
    await starting;

    expect(informer.synced).toBe(true);
    expect(seen.events).toEqual(['add a']);
    expect(fake.listRequests).toHaveLength(4);
    const gaps = fake.listRequests.slice(1).map((r, i) => r.at - fake.listRequests[i]!.at);
    // minBackoffMs 20, doubling: 20, 40, 80 (timers may fire a millisecond early).
    expect(gaps[0]).toBeGreaterThanOrEqual(18);
    expect(gaps[1]).toBeGreaterThanOrEqual(38);
    expect(gaps[2]).toBeGreaterThanOrEqual(78);
    await fake.watch(1);
  });

  test('isAbsent on 404: start() resolves with an empty synced cache, and the objects appear once the resource is served', async () => {
    const { fake, informer, seen } = await setUp({ isAbsent: isNotFound });
    let served = false;
    fake.list = () =>
      served ? { status: 200, body: podList('10', [pod('a', '5')]) } : { status: 404, body: status(404, 'NotFound', 'the server could not find the requested resource') };
    await informer.start();
    expect(informer.synced).toBe(true);
    expect(informer.list()).toEqual([]);
    expect(fake.watches).toHaveLength(0);

    served = true;
    await eventually('the object once the resource is served', () => informer.get('a', 'default') !== undefined, soon);
    expect(informer.synced).toBe(true);
    expect(seen.events).toEqual(['add a']);
    await fake.watch(1);
  });

  test('a resource that stops being served empties the cache: its objects fire onDelete and the informer stays synced', async () => {
    const { fake, informer, seen } = await setUp({ isAbsent: isNotFound });
    fake.list = () => ({ status: 200, body: podList('10', [pod('a', '5')]) });
    await informer.start();
    const first = await fake.watch(1);
    fake.list = () => ({ status: 404, body: status(404, 'NotFound', 'the server could not find the requested resource') });
    first.send('ERROR', status(410, 'Expired', 'too old resource version'));
    await eventually('the delete of the cached object', () => seen.events.includes('delete a'), soon);
    expect(informer.synced).toBe(true);
    expect(informer.list()).toEqual([]);
  });

  test('byIndex follows adds, updates that change the index value, and deletes', async () => {
    const owner = (p: V1Pod): string | undefined => p.metadata?.labels?.owner;
    const { fake, informer, seen } = await setUp({ indexBy: owner });
    fake.list = () =>
      ({ status: 200, body: podList('10', [pod('a', '1', { labels: { owner: 'x' } }), pod('b', '2', { labels: { owner: 'x' } }), pod('free', '3')]) });
    await informer.start();
    expect(names(informer.byIndex('x'))).toEqual(['a', 'b']);
    expect(informer.byIndex('y')).toEqual([]);

    const watch = await fake.watch(1);
    watch.send('MODIFIED', watched('a', '11', { labels: { owner: 'y' } }));
    watch.send('MODIFIED', watched('free', '12', { labels: { owner: 'y' } }));
    watch.send('MODIFIED', watched('b', '13'));
    watch.send('ADDED', watched('c', '14', { labels: { owner: 'x' } }));
    await eventually('the last event', () => seen.events.includes('add c'), soon);
    expect(names(informer.byIndex('x'))).toEqual(['c']);
    expect(names(informer.byIndex('y'))).toEqual(['a', 'free']);
    // The index holds the current object, not the one first indexed.
    expect(informer.byIndex('y').find((p) => p.metadata?.name === 'a')?.metadata?.resourceVersion).toBe('11');

    watch.send('DELETED', watched('a', '15', { labels: { owner: 'y' } }));
    await eventually('the delete', () => seen.events.includes('delete a'), soon);
    expect(names(informer.byIndex('y'))).toEqual(['free']);
  });

  test('trimMetadata drops managedFields and the last-applied annotation from listed, watched and deleted objects', async () => {
    const heavy = (p: V1Pod): V1Pod => {
      p.metadata!.managedFields = [{ manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: {} }];
      p.metadata!.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': '{"huge":true}', keep: 'me' };
      return p;
    };
    const { fake, informer, seen } = await setUp();
    fake.list = () => ({ status: 200, body: podList('10', [heavy(pod('a', '5'))]) });
    await informer.start();
    const listed = informer.get('a', 'default')!;
    expect(listed.metadata?.managedFields).toBeUndefined();
    expect(listed.metadata?.annotations).toEqual({ keep: 'me' });

    const watch = await fake.watch(1);
    watch.send('ADDED', heavy(watched('b', '11')));
    watch.send('DELETED', heavy(watched('a', '12')));
    await eventually('the delete', () => seen.events.includes('delete a'), soon);
    const added = informer.get('b', 'default')!;
    expect(added.metadata?.managedFields).toBeUndefined();
    expect(added.metadata?.annotations).toEqual({ keep: 'me' });
    const deleted = seen.objects.at(-1)!;
    expect(deleted.metadata?.managedFields).toBeUndefined();
    expect(deleted.metadata?.annotations).toEqual({ keep: 'me' });
  });

  test('trimMetadata leaves an object without those fields as it is', () => {
    const plain = watched('a', '1');
    plain.metadata!.annotations = { keep: 'me' };
    const annotations = plain.metadata!.annotations;
    trimMetadata(plain);
    expect(plain.metadata!.annotations).toBe(annotations);
    expect(plain.metadata!.managedFields).toBeUndefined();
  });

  test('a custom trim replaces trimMetadata', async () => {
    const { fake, informer } = await setUp({
      trim: (p) => {
        if (p.metadata) p.metadata.labels = undefined;
      },
    });
    const item = pod('a', '5', { labels: { big: 'label' } });
    item.metadata!.managedFields = [{ manager: 'kept' }];
    fake.list = () => ({ status: 200, body: podList('10', [item]) });
    await informer.start();
    expect(informer.get('a', 'default')?.metadata?.labels).toBeUndefined();
    expect(informer.get('a', 'default')?.metadata?.managedFields).toEqual([{ manager: 'kept' }]);
  });

  test('stop() ends the watch request (the server sees the connection close) and schedules no restart, however long after', async () => {
    const { fake, informer } = await setUp({ maxBackoffMs: 200 });
    fake.list = () => ({ status: 200, body: podList('10', [pod('a', '5')]) });
    await informer.start();
    const watch = await fake.watch(1);
    expect(watch.isClosed).toBe(false);

    // A restart would come from a timer (a watch backoff or a restart after an error): on fake
    // timers it is pending at once and fires without waiting. I/O and promise callbacks stay real.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    await informer.stop();
    await watch.closed;
    await settle();
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(10 * 200);
    await settle();
    expect(fake.watches).toHaveLength(1);
    expect(fake.listRequests).toHaveLength(1);
  });
});
