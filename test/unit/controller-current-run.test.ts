// Which run an unscheduled WasiApp should have now, from its spec, its rerun
// annotation and what its status recorded.
import { describe, expect, test } from '@jest/globals';
import type { WasiAppStatus } from '../../operator/src/api/wasiapp.js';
import { currentRunOf } from '../../operator/src/controller/reconcile.js';
import { jobNameFor } from '../../operator/src/resources/names.js';
import { wasiApp } from '../helpers/wasiapp-fixtures.js';

const appWith = (generation: number, status?: WasiAppStatus) => ({ ...wasiApp({ generation }), ...(status && { status }) });

describe('currentRunOf', () => {
  test("a new app's run is its generation's own", () => {
    expect(currentRunOf(appWith(1), undefined)).toEqual({ name: 'seed-g1', trigger: 'Spec' });
  });

  test('a rerun value no run was started for yet asks for a new run', () => {
    const app = appWith(1, { lastRun: { jobName: 'seed-g1', generation: 1, trigger: 'Spec', phase: 'Succeeded', attempts: 1 } });
    expect(currentRunOf(app, 'now')).toEqual({ name: jobNameFor(app, 'now'), trigger: 'Rerun' });
  });

  test('once the rerun is recorded, it stays the current run', () => {
    const rerunJob = jobNameFor(appWith(1), 'now');
    const app = appWith(1, { observedRerun: 'now', lastRun: { jobName: rerunJob, generation: 1, trigger: 'Rerun', phase: 'Running', attempts: 1 } });
    expect(currentRunOf(app, 'now')).toEqual({ name: rerunJob, trigger: 'Rerun' });
  });

  test('a spec change after a rerun runs the new generation, not the rerun again', () => {
    const rerunJob = jobNameFor(appWith(1), 'now');
    const app = appWith(2, { observedRerun: 'now', lastRun: { jobName: rerunJob, generation: 1, trigger: 'Rerun', phase: 'Succeeded', attempts: 1 } });
    expect(currentRunOf(app, 'now')).toEqual({ name: 'seed-g2', trigger: 'Spec' });
  });
});
