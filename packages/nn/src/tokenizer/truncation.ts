/**
 * Lengths to keep for a pair under Hugging Face `tokenizers`' `LongestFirst` strategy, given the token
 * budget left after the special tokens: if only the longer sequence must shrink it gives up what is
 * needed; if both must, the shorter keeps `floor(budget / 2)` and the longer `ceil(budget / 2)`
 * (equal lengths: the first keeps the floor). `n1`, `n2`: the lengths of the first and second sequence.
 */
export function longestFirstLengths(n1: number, n2: number, budget: number): [number, number] {
  if (budget <= 0) return [0, 0];
  if (n1 + n2 <= budget) return [n1, n2];
  const swap = n1 > n2;
  let short = swap ? n2 : n1;
  let long = short > budget ? short : Math.max(short, budget - short);
  if (short + long > budget) {
    short = Math.floor(budget / 2);
    long = short + (budget % 2);
  }
  return swap ? [long, short] : [short, long];
}

/** Keeps at most `n` items: 'Right' drops items from the end, 'Left' from the start. */
export function truncateTo<T>(items: T[], n: number, direction: 'Right' | 'Left' = 'Right'): T[] {
  if (items.length <= n) return items;
  return direction === 'Right' ? items.slice(0, n) : items.slice(items.length - n);
}
