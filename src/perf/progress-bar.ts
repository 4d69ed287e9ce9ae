/**
 * The progress bar `gregor perf` draws on a terminal's stderr: one line, redrawn in place,
 * `[#####.....] done/total unit  rate/s  elapsed eta`. `line()` prints a periodic line above
 * it (the bar is cleared, the line written to `out`, the bar redrawn), so a terminal shows
 * Kafka's periodic lines and the bar together. When stderr is not a TTY, `enabled` is false
 * and only the lines are printed.
 */
export class ProgressBar {
  readonly enabled: boolean;
  private done = 0;
  private readonly t0 = performance.now();

  constructor(
    private readonly total: number,
    private readonly unit: string,
    private readonly err: NodeJS.WriteStream = process.stderr,
  ) {
    this.enabled = err.isTTY === true;
  }

  private static time(ms: number): string {
    const s = Math.round(ms / 1000);
    return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
  }

  private render(): string {
    const width = 30;
    const fraction = this.total > 0 ? Math.min(1, this.done / this.total) : 0;
    const filled = Math.round(fraction * width);
    const elapsed = performance.now() - this.t0;
    const rate = elapsed > 0 ? (1000 * this.done) / elapsed : 0;
    const eta = rate > 0 ? ` eta ${ProgressBar.time((1000 * (this.total - this.done)) / rate)}` : '';
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total} ${this.unit} ${Math.round(rate)}/s ${ProgressBar.time(elapsed)}${eta}`;
  }

  /** `done` units finished so far. */
  update(done: number): void {
    this.done = done;
    if (this.enabled) this.err.write(`\r\x1b[2K${this.render()}`);
  }

  /** Writes `text` + newline to `out` above the bar. */
  line(text: string, out: NodeJS.WritableStream): void {
    if (this.enabled) this.err.write('\r\x1b[2K');
    out.write(`${text}\n`);
    if (this.enabled) this.err.write(this.render());
  }

  /** Removes the bar. */
  finish(): void {
    if (this.enabled) this.err.write('\r\x1b[2K');
  }
}
