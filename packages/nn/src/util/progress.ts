/**
 * A small progress bar for long-running work (encoding, training): redraws one line on a TTY at
 * most every 100 ms; elsewhere (a log file, CI) prints a line every 10% and at least every 30 s, so
 * a run capped by time rather than by its step count still shows progress. Writes to stderr so
 * stdout stays data.
 */
export class ProgressBar {
  private done = 0;
  private lastDraw = 0;
  private lastDecile = -1;
  private readonly start = Date.now();
  private readonly tty: boolean;
  /** Off a TTY: the longest gap between two printed lines. */
  static readonly LOG_INTERVAL_MS = 30_000;

  constructor(
    private readonly total: number,
    private readonly label: string,
    private readonly stream: { write(s: string): unknown; isTTY?: boolean } | null = typeof process !== 'undefined' ? process.stderr : null,
  ) {
    this.tty = !!this.stream?.isTTY;
  }

  /** Advances by `n` and redraws; `info` is appended (e.g. "loss 0.31"). */
  tick(n = 1, info = ''): void {
    this.done = Math.min(this.total, this.done + n);
    const now = Date.now();
    const decile = Math.floor((10 * this.done) / Math.max(1, this.total));
    const finished = this.done >= this.total;
    if (this.tty ? now - this.lastDraw < 100 && !finished : decile === this.lastDecile && now - this.lastDraw < ProgressBar.LOG_INTERVAL_MS && !finished) return;
    this.lastDraw = now;
    this.lastDecile = decile;
    this.stream?.write(`${this.tty ? '\r' : ''}${this.render(info)}${this.tty && !finished ? '' : '\n'}`);
  }

  /** The current line: label, bar, counts, rate and ETA. */
  render(info = ''): string {
    const frac = this.total > 0 ? this.done / this.total : 1;
    const width = 24;
    const filled = Math.round(frac * width);
    const elapsed = (Date.now() - this.start) / 1000;
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const eta = rate > 0 ? (this.total - this.done) / rate : 0;
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    return `${this.label} ${bar} ${this.done}/${this.total} [${formatSeconds(elapsed)}<${formatSeconds(eta)}, ${rate.toFixed(rate < 10 ? 2 : 1)} it/s]${info ? ` ${info}` : ''}`;
  }
}

export function formatSeconds(s: number): string {
  const m = Math.floor(s / 60);
  const sec = Math.floor(s % 60);
  return `${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
}
