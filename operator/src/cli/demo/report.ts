// What the demo shows at the end: the `kubectl get wasiapps` table (the real
// kubectl, or the same columns printed here when it is missing), and on
// failure everything needed to see why: conditions, the Pod's status and the
// tails of the node agent's, daprd's, the host's and the operator's logs.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { WasiApp } from '../../api/wasiapp.js';
import { tailOf } from '../../local/cluster/log-tail.js';
import { clusterPaths } from '../../local/cluster/state-dir.js';
import { errorMessage } from '../../util/errors.js';
import { podSummary } from './follow.js';
import type { DemoOutput } from './progress.js';

const KUBECTL_TIMEOUT_MS = 30_000;
const LOG_TAIL_LINES = 12;
const PROBLEM_LINES = 15;
/** daprd's logfmt and pino's JSON (numeric or named levels): warnings and worse. */
const PROBLEM_LINE = /level=(warn|warning|error|fatal)\b|"level":(4\d|5\d|6\d)\b|"level":"(warn|error|fatal)"/;

function problemLines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((line) => PROBLEM_LINE.test(line)).slice(-PROBLEM_LINES);
}

function age(created: Date | string | undefined): string {
  if (!created) return '<unknown>';
  const s = Math.max(0, Math.round((Date.now() - new Date(created).getTime()) / 1000));
  return s < 120 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}

/** The CRD's printer columns with -o wide (priority 1 included), as kubectl prints them. */
export function wasiAppTable(apps: WasiApp[]): string {
  const rows = [
    ['NAME', 'PHASE', 'PASSED', 'AGE', 'POD', 'REASON'],
    ...apps.map((a) => [
      a.metadata.name ?? '',
      a.status?.phase ?? '',
      a.status?.result ? String(a.status.result.passed) : '',
      age(a.metadata.creationTimestamp),
      a.status?.podName ?? '',
      a.status?.result?.reason ?? '',
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join('').trimEnd()).join('\n');
}

interface KubectlOutcome {
  ok: boolean;
  missing: boolean;
  text: string;
}

function runKubectl(args: string[]): Promise<KubectlOutcome> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { timeout: KUBECTL_TIMEOUT_MS, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve({ ok: true, missing: false, text: stdout });
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      resolve({ ok: false, missing, text: missing ? 'kubectl is not on PATH' : `${stderr || errorMessage(err)}`.trim() });
    });
  });
}

/** Prints `kubectl get wasiapps -n NS -o wide`; falls back to our own table. */
export async function printWasiAppTable(out: DemoOutput, kubeconfigPath: string, namespace: string, apps: () => Promise<WasiApp[]>): Promise<void> {
  const args = ['get', 'wasiapps', '-n', namespace, '-o', 'wide', '--kubeconfig', kubeconfigPath];
  const result = await runKubectl(args);
  if (result.ok) {
    out.say(`kubectl ${args.join(' ')}`);
    out.quote(result.text);
    return;
  }
  out.say(result.missing ? 'kubectl is not on PATH; the same columns from the API:' : `kubectl get wasiapps failed (${result.text}); the same columns from the API:`);
  out.quote(wasiAppTable(await apps()));
}

/** The Pod directory the node agent used (`<work>/pods/<ns>_<name>_<uid>`), if any. */
function podDirs(stateDir: string, namespace: string, podName: string | undefined): string[] {
  const pods = join(clusterPaths(stateDir).nodeAgentDir, 'pods');
  if (!existsSync(pods)) return [];
  return readdirSync(pods)
    .filter((entry) => entry.startsWith(`${namespace}_`) && (podName === undefined || entry.startsWith(`${namespace}_${podName}_`)))
    .map((entry) => join(pods, entry));
}

export interface DiagnosticsInput {
  kc: KubeConfig | undefined;
  stateDir: string;
  namespace: string;
  app: WasiApp | undefined;
  operatorLog: string;
}

/** Everything that explains a failed run; never throws. */
export async function printDiagnostics(out: DemoOutput, input: DiagnosticsInput): Promise<void> {
  const { app, namespace, stateDir } = input;
  if (app) {
    out.say(`WasiApp ${namespace}/${app.metadata.name}: phase ${app.status?.phase ?? '(none)'}, pod ${app.status?.podName ?? '(none)'}`);
    for (const c of app.status?.conditions ?? []) out.quote(`${c.type}=${c.status} ${c.reason}: ${c.message}`);
    if (app.status?.result) out.quote(`result: ${JSON.stringify(app.status.result)}`);
  }
  let pods: V1Pod[] = [];
  if (input.kc) {
    try {
      pods = (await input.kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace })).items;
    } catch (err) {
      out.say(`cannot list the Pods: ${errorMessage(err)}`);
    }
  }
  if (input.kc && pods.length === 0) out.say(`no Pod in ${namespace}`);
  for (const pod of pods) {
    out.say(`Pod ${namespace}/${pod.metadata?.name}: ${podSummary(pod)}`);
    for (const s of pod.status?.containerStatuses ?? []) {
      const message = s.state?.terminated?.message ?? s.state?.waiting?.message;
      if (message) out.quote(`${s.name}: ${message}`);
    }
  }
  const paths = clusterPaths(stateDir);
  const logs: Array<[string, string]> = [
    ['node agent', paths.logOf('node-agent')],
    ...podDirs(stateDir, namespace, app?.status?.podName).flatMap((dir): Array<[string, string]> => [
      ['daprd', join(dir, 'daprd.log')],
      ['wasi-host', join(dir, 'wasi-host.log')],
    ]),
    ['operator', input.operatorLog],
  ];
  for (const [what, path] of logs) {
    if (!existsSync(path)) continue;
    const problems = problemLines(path);
    if (problems.length > 0) {
      out.say(`warnings and errors in the ${what} log (${path}):`);
      out.quote(problems.join('\n'));
    }
    out.say(`last lines of the ${what} log (${path}):`);
    out.quote(tailOf(path, LOG_TAIL_LINES).replace(/^\s*\n/, ''));
  }
}
