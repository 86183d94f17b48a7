// What the demo shows: `kubectl` output (the real kubectl, built with the
// control plane, or the same columns printed here when it is missing), and on
// failure everything needed to see why: conditions, the Pods' status, their
// logs (`kubectl logs`, the host's and daprd's) and the operator's.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { WasiApp } from '../../operator/src/api/wasiapp.js';
import { OPERATOR_NAMESPACE, OPERATOR_RELEASE } from '../node/operator-install.js';
import { isToolCurrent, toolPaths } from '../tools/go-build.js';
import { KUBERNETES } from '../tools/pins.js';
import { errorMessage } from '../../operator/src/util/errors.js';
import { podSummary } from '../../operator/src/cli/smoke/follow.js';
import type { StepOutput } from '../../operator/src/cli/smoke/progress.js';

const KUBECTL_TIMEOUT_MS = 30_000;
const LOG_TAIL_LINES = 12;

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

/** The kubectl built with the control plane, else whatever is on PATH. */
export function kubectlBinary(): string {
  const built = isToolCurrent(KUBERNETES) ? toolPaths(KUBERNETES).kubectl : undefined;
  return built && existsSync(built) ? built : 'kubectl';
}

function runKubectl(args: string[]): Promise<KubectlOutcome> {
  return new Promise((resolve) => {
    execFile(kubectlBinary(), args, { timeout: KUBECTL_TIMEOUT_MS, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve({ ok: true, missing: false, text: stdout });
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      resolve({ ok: false, missing, text: missing ? 'kubectl is not on PATH' : `${stderr || errorMessage(err)}`.trim() });
    });
  });
}

/** Prints `kubectl ARGS` and its output (or why it failed); never throws. */
export async function printKubectl(out: StepOutput, kubeconfigPath: string, args: string[]): Promise<boolean> {
  const result = await runKubectl([...args, '--kubeconfig', kubeconfigPath]);
  out.say(`kubectl ${args.join(' ')}`);
  out.quote(result.ok ? result.text || '(no output)' : `failed: ${result.text}`);
  return result.ok;
}

/** Prints `kubectl get wasiapps -n NS -o wide`; falls back to our own table. */
export async function printWasiAppTable(out: StepOutput, kubeconfigPath: string, namespace: string, apps: () => Promise<WasiApp[]>): Promise<void> {
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

export interface DiagnosticsInput {
  kc: KubeConfig | undefined;
  kubeconfigPath: string;
  namespace: string;
  app: WasiApp | undefined;
}

/** Everything that explains a failed run; never throws. */
export async function printDiagnostics(out: StepOutput, input: DiagnosticsInput): Promise<void> {
  const { app, namespace, kubeconfigPath } = input;
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
    for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      const message = s.state?.terminated?.message ?? s.state?.waiting?.message;
      if (message) out.quote(`${s.name}: ${message}`);
    }
    for (const container of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
      await printKubectl(out, kubeconfigPath, ['logs', '-n', namespace, pod.metadata?.name ?? '', '-c', container.name, `--tail=${LOG_TAIL_LINES}`]);
    }
  }
  await printKubectl(out, kubeconfigPath, ['get', 'events', '-n', namespace, '--sort-by=.lastTimestamp']);
  await printKubectl(out, kubeconfigPath, ['logs', '-n', OPERATOR_NAMESPACE, `deploy/${OPERATOR_RELEASE}`, `--tail=${LOG_TAIL_LINES}`]);
}
