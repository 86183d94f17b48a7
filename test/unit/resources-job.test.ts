// A run's Job and a schedule's CronJob around the host Pod template.
import { describe, expect, test } from '@jest/globals';
import type { WasiAppSpec } from '../../operator/src/api/wasiapp.js';
import { buildRunCronJob, buildRunJob } from '../../operator/src/resources/job.js';
import { cronJobNameFor, jobNameFor, scheduledRerunJobNameFor } from '../../operator/src/resources/names.js';
import { TEST_UID, operatorConfig, wasiApp } from '../helpers/wasiapp-fixtures.js';

function jobFor(spec: Partial<WasiAppSpec> = {}, trigger: 'Spec' | 'Rerun' = 'Spec', config = operatorConfig()) {
  const app = wasiApp({ spec, generation: 4 });
  return buildRunJob(app, config, jobNameFor(app, trigger === 'Rerun' ? 'r1' : undefined), trigger);
}

describe('the run Job', () => {
  test('is owned by the app, carries its name in an annotation and runs the host template once', () => {
    const job = jobFor();
    expect(job.metadata?.name).toBe('seed-g4');
    expect(job.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'WasiApp', name: 'seed', uid: TEST_UID, controller: true })]);
    expect(job.metadata?.annotations).toEqual({ 'wasi-operator.dev/wasiapp': 'seed', 'wasi-operator.dev/run-trigger': 'Spec' });
    expect(job.metadata?.labels?.['wasi-operator.dev/generation']).toBe('4');
    expect(job.spec).toMatchObject({ completions: 1, parallelism: 1 });
    expect(job.spec?.template.spec?.restartPolicy).toBe('Never');
    expect(job.spec?.template.spec?.containers[0]?.name).toBe('wasi-host');
    expect(job.spec?.template.metadata?.annotations?.['wasi-operator.dev/wasiapp']).toBe('seed');
  });

  test('backoffLimit is spec.retries, 0 by default', () => {
    expect(jobFor().spec?.backoffLimit).toBe(0);
    expect(jobFor({ retries: 2 }).spec?.backoffLimit).toBe(2);
  });

  test("podFailurePolicy fails the Job on the host's exit code 125 and ignores disruptions", () => {
    expect(jobFor().spec?.podFailurePolicy?.rules).toEqual([
      { action: 'FailJob', onExitCodes: { operator: 'In', values: [125] } },
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
    ]);
  });

  test('activeDeadlineSeconds: the timeout plus the allowance, per attempt; none without a timeout', () => {
    expect(jobFor().spec?.activeDeadlineSeconds).toBeUndefined();
    expect(jobFor({ timeoutSeconds: 30 }).spec?.activeDeadlineSeconds).toBe(330);
    expect(jobFor({ timeoutSeconds: 30, retries: 1 }, 'Spec', operatorConfig({ jobDeadlineAllowanceSeconds: 5 })).spec?.activeDeadlineSeconds).toBe(70);
  });

  test('ttlSecondsAfterFinished is passed through', () => {
    expect(jobFor().spec?.ttlSecondsAfterFinished).toBeUndefined();
    expect(jobFor({ ttlSecondsAfterFinished: 0 }).spec?.ttlSecondsAfterFinished).toBe(0);
  });

  test('spec.suspend holds a new run, but not a rerun asked for by hand', () => {
    expect(jobFor({ suspend: true }).spec?.suspend).toBe(true);
    expect(jobFor({ suspend: true }, 'Rerun').spec?.suspend).toBeUndefined();
    expect(jobFor({}, 'Rerun').metadata?.annotations?.['wasi-operator.dev/run-trigger']).toBe('Rerun');
  });

  test('spec.pod fields reach the Pod template; the operator labels and Dapr annotations win', () => {
    const job = jobFor({
      pod: {
        nodeSelector: { disk: 'ssd' },
        tolerations: [{ key: 'wasm', operator: 'Exists', effect: 'NoSchedule' }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } },
        priorityClassName: 'batch-low',
        serviceAccountName: 'runner',
        imagePullSecrets: [{ name: 'regcred' }],
        runtimeClassName: 'gvisor',
        labels: { team: 'a', 'app.kubernetes.io/instance': 'spoofed' },
        annotations: { note: 'x', 'wasi-operator.dev/wasiapp': 'spoofed' },
      },
    });
    const template = job.spec!.template;
    expect(template.spec).toMatchObject({
      nodeSelector: { disk: 'ssd' },
      tolerations: [{ key: 'wasm', operator: 'Exists', effect: 'NoSchedule' }],
      priorityClassName: 'batch-low',
      serviceAccountName: 'runner',
      imagePullSecrets: [{ name: 'regcred' }],
      runtimeClassName: 'gvisor',
    });
    expect(template.spec?.affinity?.nodeAffinity).toBeDefined();
    expect(template.metadata?.labels).toMatchObject({ team: 'a', 'app.kubernetes.io/instance': 'seed' });
    expect(template.metadata?.annotations).toMatchObject({ note: 'x', 'wasi-operator.dev/wasiapp': 'seed', 'dapr.io/enabled': 'true' });
  });

  test('every container sets an image pull policy, and the operator default resources apply unless spec.resources is set', () => {
    const defaults = { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } };
    const config = operatorConfig({ defaultHostResources: defaults });
    const host = jobFor({}, 'Spec', config).spec!.template.spec!.containers[0]!;
    expect(host.imagePullPolicy).toBe('IfNotPresent');
    expect(host.resources).toEqual(defaults);
    const own = jobFor({ resources: { limits: { memory: '1Gi' } } }, 'Spec', config).spec!.template.spec!.containers[0]!;
    expect(own.resources).toEqual({ limits: { memory: '1Gi' } });
  });
});

describe('run names', () => {
  test('a rerun gets its own deterministic name; long names stay within the Job name limit', () => {
    const app = wasiApp({ generation: 7 });
    expect(jobNameFor(app, undefined)).toBe('seed-g7');
    expect(jobNameFor(app, 'x')).toMatch(/^seed-g7-r[0-9a-f]{8}$/);
    expect(jobNameFor(app, 'x')).toBe(jobNameFor(app, 'x'));
    expect(jobNameFor(app, 'x')).not.toBe(jobNameFor(app, 'y'));
    const long = wasiApp({ name: 'a'.repeat(60), generation: 12 });
    expect(jobNameFor(long, 'again').length).toBeLessThanOrEqual(57);
    expect(cronJobNameFor(long).length).toBeLessThanOrEqual(52);
    expect(scheduledRerunJobNameFor(app, 'x')).toMatch(/^seed-r[0-9a-f]{8}$/);
  });
});

describe('the schedule CronJob', () => {
  test('carries the schedule fields, Forbid by default, and a Job template marked Schedule', () => {
    const app = wasiApp({ spec: { schedule: '*/5 * * * *', timeZone: 'Europe/Berlin', startingDeadlineSeconds: 60, successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1, retries: 1 } });
    const cron = buildRunCronJob(app, operatorConfig());
    expect(cron.metadata?.name).toBe('seed');
    expect(cron.spec).toMatchObject({
      schedule: '*/5 * * * *',
      timeZone: 'Europe/Berlin',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 60,
      successfulJobsHistoryLimit: 2,
      failedJobsHistoryLimit: 1,
      suspend: false,
    });
    expect(cron.spec?.jobTemplate.metadata?.annotations).toEqual({ 'wasi-operator.dev/wasiapp': 'seed', 'wasi-operator.dev/run-trigger': 'Schedule' });
    expect(cron.spec?.jobTemplate.spec?.backoffLimit).toBe(1);
  });

  test('its spec hash changes with the spec and not otherwise', () => {
    const hash = (spec: Partial<WasiAppSpec>) => buildRunCronJob(wasiApp({ spec: { schedule: '@hourly', ...spec } }), operatorConfig()).metadata?.annotations?.['wasi-operator.dev/spec-hash'];
    expect(hash({})).toBe(hash({}));
    expect(hash({ suspend: true })).not.toBe(hash({}));
    expect(hash({ args: ['x'] })).not.toBe(hash({}));
  });
});

describe('guest directories (spec.volumes, spec.dirs)', () => {
  test('each dir is its volume mounted in the host container and a --dir-ro (default) or --dir argument', () => {
    const job = jobFor({
      volumes: [
        { name: 'config', configMap: { name: 'app-config' } },
        { name: 'scratch', emptyDir: {} },
      ],
      dirs: [
        { volume: 'config', path: '/etc/app' },
        { volume: 'scratch', path: '/out', readOnly: false, subPath: 'reports' },
      ],
    });
    const spec = job.spec!.template.spec!;
    expect(spec.volumes?.map((v) => v.name)).toEqual(['module', 'dir-config', 'dir-scratch']);
    expect(spec.volumes?.[1]).toEqual({ name: 'dir-config', configMap: { name: 'app-config' } });
    const host = spec.containers[0]!;
    expect(host.volumeMounts).toEqual([
      expect.objectContaining({ name: 'module' }),
      { name: 'dir-config', mountPath: '/wasi-dirs/0', readOnly: true },
      { name: 'dir-scratch', mountPath: '/wasi-dirs/1', readOnly: false, subPath: 'reports' },
    ]);
    expect(host.args).toEqual(expect.arrayContaining(['--dir-ro=/wasi-dirs/0::/etc/app', '--dir=/wasi-dirs/1::/out']));
  });
});
