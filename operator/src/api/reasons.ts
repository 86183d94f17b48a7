// The reasons users read, in one place: those of a WasiApp's conditions
// (`status.conditions[].reason`, shown by `kubectl get wasi`) and of the
// Events about it (`kubectl describe wasi`). The README's troubleshooting
// section goes by these. A condition may also carry a reason the operator
// passes on: the guest's result (`status.lastRun.result.reason`: Trap,
// Timeout, InvalidModule, …), a container's waiting reason from its Pod
// (ImagePullBackOff, …), or a failing reconcile's: `Reconciled=False` with
// the error's code in CamelCase (or `ReconcileError`) while it is retried,
// or a terminal error's own reason (TerminalErrorReason, below).
import type { ErrorCode } from '../util/errors.js';

export const ConditionReason = {
  // Ready and Succeeded: where the latest run is.
  Pending: 'Pending',
  JobNotCreated: 'JobNotCreated',
  JobCreated: 'JobCreated',
  JobDeleted: 'JobDeleted',
  PodCreated: 'PodCreated',
  PodUnschedulable: 'PodUnschedulable',
  Running: 'Running',
  Retrying: 'Retrying',
  Completed: 'Completed',
  Suspended: 'Suspended',
  Scheduled: 'Scheduled',
  DeadlineExceeded: 'DeadlineExceeded',
  GuestPassed: 'GuestPassed',
  InvalidResult: 'InvalidResult',
  StateStoreUnavailable: 'StateStoreUnavailable',
  StateStoreNotReady: 'StateStoreNotReady',
  // StateStoreReady: the app's Dapr state store Component.
  DaprDisabled: 'DaprDisabled',
  ComponentApplied: 'ComponentApplied',
  ExistingComponentFound: 'ExistingComponentFound',
  ComponentNotFound: 'ComponentNotFound',
  ComponentConflict: 'ComponentConflict',
  ComponentFull: 'ComponentFull',
  // Reconciled=False with an error that has no code of its own.
  ReconcileError: 'ReconcileError',
  // Reconciled=False, and the phase Failed: a terminal error (TerminalErrorReason).
  JobNameTaken: 'JobNameTaken',
  CronJobNameTaken: 'CronJobNameTaken',
  InvalidModuleSource: 'InvalidModuleSource',
  InvalidMetadata: 'InvalidMetadata',
} as const;

export type ConditionReason = (typeof ConditionReason)[keyof typeof ConditionReason];

export const EventReason = {
  ComponentApplied: 'ComponentApplied',
  ComponentNotFound: 'ComponentNotFound',
  JobCreated: 'JobCreated',
  CronJobApplied: 'CronJobApplied',
  OutdatedJobDeleted: 'OutdatedJobDeleted',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  ReconcileError: 'ReconcileError',
  // A terminal error (TerminalErrorReason).
  JobNameTaken: 'JobNameTaken',
  CronJobNameTaken: 'CronJobNameTaken',
  InvalidModuleSource: 'InvalidModuleSource',
  InvalidMetadata: 'InvalidMetadata',
} as const;

export type EventReason = (typeof EventReason)[keyof typeof EventReason];

/**
 * The errors a retry cannot fix, each with the reason the WasiApp shows:
 * what the operator refuses to do until the user changes something. A
 * reconcile that ends in one is not retried with backoff (controller-runtime's
 * TerminalError): the app turns `Failed` with `Reconciled=False` and a Warning
 * Event of this reason, and the next change to the app (or the periodic
 * resync) looks again.
 */
export const TerminalErrorReason = {
  ERR_JOB_NAME_TAKEN: ConditionReason.JobNameTaken,
  ERR_CRONJOB_NAME_TAKEN: ConditionReason.CronJobNameTaken,
  ERR_MODULE_SOURCE: ConditionReason.InvalidModuleSource,
  ERR_WASIAPP_METADATA: ConditionReason.InvalidMetadata,
} as const satisfies Partial<Record<ErrorCode, ConditionReason & EventReason>>;

export type TerminalErrorReason = (typeof TerminalErrorReason)[keyof typeof TerminalErrorReason];

/** The reason of a terminal error (see TerminalErrorReason); undefined for one a retry may fix. */
export function terminalReasonOf(err: unknown): TerminalErrorReason | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && Object.hasOwn(TerminalErrorReason, code)
    ? TerminalErrorReason[code as keyof typeof TerminalErrorReason]
    : undefined;
}
