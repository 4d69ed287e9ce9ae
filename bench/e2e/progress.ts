/**
 * A one-line progress bar on stderr for `npm run bench`: done/total, the running scenario,
 * elapsed time and an estimate of what is left (mean time per scenario so far). On a
 * non-TTY stderr (CI logs) it prints one line per finished scenario instead.
 */
export class Progress {
  private finished = 0;
  private readonly t0 = Date.now();
  private label = '';
  private readonly tty = process.stderr.isTTY === true;

  constructor(private readonly total: number) {}

  private static time(ms: number): string {
    const s = Math.round(ms / 1000);
    return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
  }

  private bar(): string {
    const width = 24;
    const filled = Math.round((this.finished / Math.max(1, this.total)) * width);
    const elapsed = Date.now() - this.t0;
    const eta = this.finished > 0 ? (elapsed / this.finished) * (this.total - this.finished) : Number.NaN;
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.finished}/${this.total} ${Progress.time(elapsed)}${Number.isNaN(eta) ? '' : ` eta ${Progress.time(eta)}`}`;
  }

  /** A scenario starts. */
  start(label: string): void {
    this.label = label;
    if (this.tty) process.stderr.write(`\r\x1b[2K${this.bar()} ${label}`);
  }

  /** The current scenario finished, with a short result. */
  done(result: string): void {
    this.finished++;
    if (this.tty) process.stderr.write(`\r\x1b[2K${this.bar()} ${this.label}: ${result}`);
    else process.stderr.write(`${this.bar()} ${this.label}: ${result}\n`);
  }

  finish(): void {
    if (this.tty) process.stderr.write('\n');
  }
}
