import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProgressBar } from '../../src/util/progress.js';

function sink(isTTY: boolean) {
  const lines: string[] = [];
  return { lines, stream: { isTTY, write: (s: string) => lines.push(s) } };
}

describe('ProgressBar', () => {
  afterEach(() => vi.useRealTimers());

  it('off a TTY prints a line every 10% and, for long runs, at least every 30 s', () => {
    vi.useFakeTimers();
    const { lines, stream } = sink(false);
    const bar = new ProgressBar(100_000, 'Training', stream);
    bar.tick(0);
    expect(lines).toHaveLength(1);
    bar.tick(10);
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(ProgressBar.LOG_INTERVAL_MS);
    bar.tick(10, 'loss 3.9');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^Training .* 20\/100000 \[00:30<.*\] loss 3\.9\n$/);
    bar.tick(10_000);
    expect(lines).toHaveLength(3);
    bar.tick(89_980);
    expect(lines.at(-1)).toMatch(/100000\/100000/);
  });

  it('on a TTY redraws one line at most every 100 ms and ends it when finished', () => {
    vi.useFakeTimers();
    const { lines, stream } = sink(true);
    const bar = new ProgressBar(3, 'Encoding', stream);
    bar.tick();
    bar.tick();
    expect(lines).toHaveLength(1);
    expect(lines[0]!.startsWith('\r')).toBe(true);
    bar.tick();
    expect(lines).toHaveLength(2);
    expect(lines[1]!.endsWith('\n')).toBe(true);
  });
});
