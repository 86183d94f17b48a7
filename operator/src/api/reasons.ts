// The reasons users read, in one place: those of a WasiApp's conditions
// (`status.conditions[].reason`, shown by `kubectl get wasi`) and of the
// Events about it (`kubectl describe wasi`). The README's troubleshooting
// section goes by these. A condition may also carry a reason the operator
// passes on: the guest's result (`status.lastRun.result.reason`: Trap,
// Timeout, InvalidModule, …), a container's waiting reason from its Pod
// (ImagePullBackOff, …), or a failing reconcile's error code in CamelCase
// (`Reconciled=False`, reason `JobNameTaken` for ERR_JOB_NAME_TAKEN).

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
} as const;

export type EventReason = (typeof EventReason)[keyof typeof EventReason];
