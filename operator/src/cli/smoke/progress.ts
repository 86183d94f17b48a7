// The voice of the smoke test and the demo: `[smoke] …`/`[demo] …` lines on stdout, each step with its duration
// and the run's elapsed time, so a slow step is visible at a glance.

/** 1234 → "1.2s"; whole seconds stay whole: 180000 → "180s". */
export function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

export class StepOutput {
  private readonly startedAt = Date.now();

  constructor(
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly prefix = 'demo',
  ) {}

  say(line: string): void {
    this.out.write(`[${this.prefix}] ${line}\n`);
  }

  /** Lines that are not the demo's own (guest output, kubectl, log tails), indented. */
  quote(text: string, indent = '    '): void {
    const lines = text.replace(/\n+$/, '').split('\n');
    this.out.write(`${lines.map((line) => `${indent}${line}`).join('\n')}\n`);
  }

  /** Raw text, as written (the guest's own output). */
  raw(text: string): void {
    this.out.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
  }

  /** Since the demo started. */
  elapsed(): string {
    return seconds(Date.now() - this.startedAt);
  }

  /** Runs one step and prints `done(value) (duration)` once it is over. */
  async step<T>(run: () => Promise<T>, done: (value: T) => string): Promise<T> {
    const started = Date.now();
    const value = await run();
    this.say(`${done(value)} (${seconds(Date.now() - started)})`);
    return value;
  }
}
