// Follows one WasiApp (and the Pods of its namespace) until the app's phase
// is Succeeded or Failed, printing every phase and condition change as it
// happens. Watches for promptness, plus a slow poll so that a dropped watch
// never leaves the demo waiting for an event that already happened.
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, CustomObjectsApi, Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { Condition, WasiApp } from '../../api/wasiapp.js';
import { WasiOperatorError } from '../../util/errors.js';
import { seconds, type StepOutput } from './progress.js';
import { wasiapps } from './seed-app.js';

const POLL_INTERVAL_MS = 2_000;
const WATCH_RESTART_DELAY_MS = 500;

export interface FollowOptions {
  kc: KubeConfig;
  namespace: string;
  name: string;
  timeoutMs: number;
  out: StepOutput;
  /** Stops following early (e.g. on SIGINT). */
  signal?: AbortSignal;
  /** When following ends; default: the app's phase is Succeeded or Failed. */
  isDone?: (app: WasiApp) => boolean;
}

export interface FollowResult {
  /** The last version seen: terminal unless `timedOut`. */
  app: WasiApp | undefined;
  timedOut: boolean;
}

const isTerminal = (app: WasiApp | undefined) => app?.status?.phase === 'Succeeded' || app?.status?.phase === 'Failed';

function conditionText(c: Condition): string {
  return `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${c.message}` : ''}`;
}

/** One line for a Pod's state: phase plus each container's state. */
export function podSummary(pod: V1Pod): string {
  const containers = (pod.status?.containerStatuses ?? []).map((s) => {
    const { waiting, running, terminated } = s.state ?? {};
    if (terminated) return `${s.name} terminated (exit ${terminated.exitCode}${terminated.reason ? `, ${terminated.reason}` : ''})`;
    if (running) return `${s.name} running`;
    if (waiting) return `${s.name} waiting${waiting.reason ? ` (${waiting.reason})` : ''}`;
    return `${s.name} (no state)`;
  });
  const scheduled = pod.spec?.nodeName ? ` on ${pod.spec.nodeName}` : '';
  const reason = pod.status?.reason ? ` ${pod.status.reason}${pod.status.message ? `: ${pod.status.message}` : ''}` : '';
  return `${pod.status?.phase ?? 'Pending'}${scheduled}${reason}${containers.length ? `; ${containers.join(', ')}` : ''}`;
}

export async function followApp(options: FollowOptions): Promise<FollowResult> {
  const { kc, namespace, name, out } = options;
  const started = Date.now();
  const at = () => `+${seconds(Date.now() - started)}`;
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);

  let latest: WasiApp | undefined;
  let lastPhase: string | undefined;
  let seen = false;
  const lastConditions = new Map<string, string>();
  const lastPods = new Map<string, string>();
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));

  const onApp = (app: WasiApp) => {
    if (app.metadata?.name !== name) return;
    // Watch events and polls may arrive out of order: never step back.
    if (latest && Number(app.metadata.resourceVersion) < Number(latest.metadata.resourceVersion)) return;
    latest = app;
    const phase = app.status?.phase;
    if (phase !== lastPhase || !seen) {
      const change = phase === undefined ? 'no status yet' : `phase ${lastPhase ? `${lastPhase} → ` : ''}${phase}`;
      out.say(`${at()} WasiApp ${namespace}/${name}: ${change}`);
      lastPhase = phase;
      seen = true;
    }
    for (const c of app.status?.conditions ?? []) {
      const text = conditionText(c);
      if (lastConditions.get(c.type) === text) continue;
      lastConditions.set(c.type, text);
      out.say(`${at()}   condition ${text}`);
    }
    if ((options.isDone ?? isTerminal)(app)) finish();
  };
  const onPod = (pod: V1Pod) => {
    const podName = pod.metadata?.name ?? '?';
    const summary = podSummary(pod);
    if (lastPods.get(podName) === summary) return;
    lastPods.set(podName, summary);
    out.say(`${at()}   Pod ${podName}: ${summary}`);
  };

  let stopped = false;
  const stopPolling = new AbortController();
  const aborts: AbortController[] = [];
  const watch = new Watch(kc);
  const startWatch = (path: string, query: Record<string, string>, handle: (obj: never) => void): void => {
    if (stopped) return;
    void watch
      .watch(
        path,
        query,
        (type, obj) => {
          if (type === 'ADDED' || type === 'MODIFIED') handle(obj as never);
        },
        () => {
          if (!stopped) setTimeout(() => startWatch(path, query, handle), WATCH_RESTART_DELAY_MS).unref();
        },
      )
      .then((abort) => (stopped ? abort.abort() : aborts.push(abort)))
      .catch(() => {
        if (!stopped) setTimeout(() => startWatch(path, query, handle), WATCH_RESTART_DELAY_MS).unref();
      });
  };
  startWatch(`/apis/${wasiapps.group}/${wasiapps.version}/namespaces/${namespace}/${wasiapps.plural}`, { fieldSelector: `metadata.name=${name}` }, onApp);
  startWatch(`/api/v1/namespaces/${namespace}/pods`, {}, onPod);

  const poll = async () => {
    while (!stopped) {
      try {
        onApp((await custom.getNamespacedCustomObject({ ...wasiapps, namespace, name })) as WasiApp);
        for (const pod of (await core.listNamespacedPod({ namespace })).items) onPod(pod);
      } catch {
        // the watch may still deliver; the deadline decides
      }
      await sleep(POLL_INTERVAL_MS, undefined, { signal: stopPolling.signal }).catch(() => undefined);
    }
  };
  void poll();

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), options.timeoutMs)));
  const aborted = new Promise<never>((_, reject) => {
    if (options.signal?.aborted) reject(new WasiOperatorError('ERR_DEMO_INTERRUPTED', 'interrupted'));
    options.signal?.addEventListener('abort', () => reject(new WasiOperatorError('ERR_DEMO_INTERRUPTED', 'interrupted')), { once: true });
  });
  try {
    const result = await Promise.race([finished.then(() => false), timedOut, aborted]);
    return { app: latest, timedOut: result };
  } finally {
    stopped = true;
    stopPolling.abort();
    clearTimeout(timer);
    for (const abort of aborts) abort.abort();
  }
}
