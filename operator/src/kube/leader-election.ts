// Leader election on a coordination.k8s.io/v1 Lease, after client-go's
// leaderelection package: every retry period a candidate reads the Lease and
// takes it when it is free or its holder has not renewed it for a lease
// duration (measured on the candidate's own clock, so clock skew between
// replicas does not matter); writes use the Lease's resourceVersion, so two
// candidates never both win. A leader that cannot renew within the renew
// deadline stops leading for good, like controller-runtime's manager.
import type { Logger } from 'pino';
import { apiCode, type LeaseApi } from './requests.js';

/** A Lease as JSON: its times are MicroTime strings. */
interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
  [field: string]: unknown;
}
interface Lease {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; [field: string]: unknown };
  spec?: LeaseSpec;
  [field: string]: unknown;
}

/** metav1.MicroTime's wire form: RFC 3339 with exactly six fractional digits. */
export function microTime(date: Date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export interface LeaderCallbacks {
  onStartedLeading(): void;
  onStoppedLeading(): void;
  onNewLeader?(identity: string): void;
}

/** Where the Lease is and who we are, with client-go's timings. */
export interface LeaderElectorOptions {
  namespace: string;
  leaseName: string;
  identity: string;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
}

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private observedRecord = '';
  private observedAt = 0;
  private lastRenewAt = 0;
  private observedLeader = '';

  constructor(
    private readonly api: LeaseApi,
    private readonly options: LeaderElectorOptions,
    private readonly callbacks: LeaderCallbacks,
    private readonly log: Logger,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  get identity(): string {
    return this.options.identity;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops campaigning and, if leading, hands the Lease back so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    if (this.leading) {
      this.leading = false;
      await this.release();
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let acquired = false;
      try {
        acquired = await this.tryAcquireOrRenew();
      } catch (err) {
        this.log.warn({ err, lease: this.leaseRef() }, 'cannot acquire or renew lease');
      }
      if (this.stopped) return;
      const now = Date.now();
      if (acquired) {
        this.lastRenewAt = now;
        if (!this.leading) {
          this.leading = true;
          this.log.info({ lease: this.leaseRef(), identity: this.options.identity }, 'became leader');
          this.callbacks.onStartedLeading();
        }
      } else if (this.leading && (this.observedLeader !== this.options.identity || now - this.lastRenewAt > this.options.renewDeadlineSeconds * 1000)) {
        this.leading = false;
        this.log.error({ lease: this.leaseRef(), holder: this.observedLeader }, 'lost leadership');
        this.callbacks.onStoppedLeading();
        return;
      }
      await this.sleep(this.options.retryPeriodSeconds * 1000);
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, leaseName: name, identity, leaseDurationSeconds } = this.options;
    const now = microTime();
    let lease: Lease;
    try {
      lease = (await this.api.read(namespace, name)) as Lease;
    } catch (err) {
      if (apiCode(err) !== 404) throw err;
      const spec: LeaseSpec = { holderIdentity: identity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 };
      try {
        await this.api.create(namespace, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec } as never);
      } catch (createErr) {
        if (apiCode(createErr) === 409) return false;
        throw createErr;
      }
      this.observe(identity, spec);
      return true;
    }

    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    this.observe(holder, spec);
    const durationMs = (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (holder !== '' && holder !== identity && this.observedAt + durationMs > Date.now()) return false;

    const mine = holder === identity;
    const next: LeaseSpec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds,
      acquireTime: mine && spec.acquireTime ? spec.acquireTime : now,
      renewTime: now,
      leaseTransitions: mine ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
    };
    try {
      // The resourceVersion in the body makes this a compare-and-swap.
      await this.api.replace(namespace, name, { ...lease, spec: next } as never);
    } catch (err) {
      if (apiCode(err) === 409) return false;
      throw err;
    }
    this.observe(identity, next);
    return true;
  }

  private observe(holder: string, spec: LeaseSpec): void {
    const record = `${holder}|${String(spec.renewTime ?? '')}|${spec.leaseTransitions ?? 0}`;
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedAt = Date.now();
    }
    if (holder !== this.observedLeader) {
      this.observedLeader = holder;
      if (holder !== '') {
        this.log.info({ lease: this.leaseRef(), holder }, 'observed leader');
        this.callbacks.onNewLeader?.(holder);
      }
    }
  }

  private async release(): Promise<void> {
    const { namespace, leaseName: name, identity } = this.options;
    try {
      const lease = (await this.api.read(namespace, name)) as Lease;
      if (lease.spec?.holderIdentity !== identity) return;
      const now = microTime();
      const spec: LeaseSpec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now };
      await this.api.replace(namespace, name, { ...lease, spec } as never);
      this.log.info({ lease: this.leaseRef() }, 'released lease');
    } catch (err) {
      this.log.warn({ err, lease: this.leaseRef() }, 'cannot release lease');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private leaseRef(): string {
    return `${this.options.namespace}/${this.options.leaseName}`;
  }
}
