// Pod status writes in order, the newest winning: containers change state
// (started, ready, exited, restarted) faster than a status write (a read and
// a replace) completes, so while one write runs, later statuses replace each
// other and only the last one is written next.
import type { V1PodStatus } from '@kubernetes/client-node';
import type { Logger } from 'pino';

export class StatusPublisher {
  private pending: V1PodStatus | undefined;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly write: (status: V1PodStatus) => Promise<void>,
    private readonly log: Logger,
  ) {}

  publish(status: V1PodStatus): void {
    this.pending = status;
    this.writing ??= this.drain();
  }

  /** Resolves once every published status has been written (or its write failed and was logged). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending) {
        const status = this.pending;
        this.pending = undefined;
        await this.write(status).catch((err: unknown) => this.log.warn({ err, phase: status.phase }, 'status write failed'));
      }
    } finally {
      this.writing = undefined;
    }
  }
}
