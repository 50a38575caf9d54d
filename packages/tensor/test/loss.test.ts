import { describe, expect, it } from 'vitest';
import { binaryCrossEntropyWithLogits, crossEntropy, klDiv, mseLoss, nllLoss, tensor } from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import { expectBadInput, expectClose, expectValues } from './helpers.js';

const f64 = (v: Parameters<typeof tensor>[0]): Tensor => tensor(v, { dtype: 'float64' });
const i32 = (v: Parameters<typeof tensor>[0]): Tensor => tensor(v, { dtype: 'int32' });
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** log_softmax of one row, in float64. */
function logSoftmaxRow(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(sum(row.map((v) => Math.exp(v - m))));
  return row.map((v) => v - lse);
}

// Logits [2, 3] and their log-probabilities.
const L = [[1, 2, 3], [1, 0, -1]];
const LP = L.map(logSoftmaxRow);
const logits = (): Tensor => f64(L);

describe('crossEntropy with int32 class targets', () => {
  const l1 = -LP[0]![2]!;
  const l2 = -LP[1]![0]!;

  it("reductions 'none', 'sum', 'mean' (default)", () => {
    const t = i32([2, 0]);
    expectClose(crossEntropy(logits(), t, { reduction: 'none' }), [l1, l2]);
    expectClose(crossEntropy(logits(), t, { reduction: 'sum' }), l1 + l2);
    expectClose(crossEntropy(logits(), t), (l1 + l2) / 2);
    expectClose(crossEntropy(tensor(L), t), (l1 + l2) / 2, { rtol: 1e-6 });
  });

  it('ignoreIndex rows leave the sum and the count (default -100, or custom)', () => {
    const t = i32([2, -100]);
    expectClose(crossEntropy(logits(), t), l1);
    expectClose(crossEntropy(logits(), t, { reduction: 'sum' }), l1);
    expectClose(crossEntropy(logits(), t, { reduction: 'none' }), [l1, 0]);
    expectClose(crossEntropy(logits(), i32([1, 0]), { ignoreIndex: 1 }), l2);
  });

  it('is stable for large logits (float32)', () => {
    expectClose(crossEntropy(tensor([[1000, 0], [0, 1000]]), i32([1, 1]), { reduction: 'none' }), [1000, 0]);
    expectClose(crossEntropy(tensor([[-1000, -1000]]), i32([0])), Math.LN2);
  });

  it('all rows ignored with mean gives NaN (0/0, as torch)', () => {
    expectClose(crossEntropy(logits(), i32([-100, -100])), NaN);
  });

  it('class weights: mean divides by the summed target weights', () => {
    const w = f64([1, 2, 3]);
    const t = i32([2, 0]);
    expectClose(crossEntropy(logits(), t, { weight: w, reduction: 'none' }), [3 * l1, l2]);
    expectClose(crossEntropy(logits(), t, { weight: w, reduction: 'sum' }), 3 * l1 + l2);
    expectClose(crossEntropy(logits(), t, { weight: w }), (3 * l1 + l2) / 4);
    expectClose(crossEntropy(logits(), i32([2, -100]), { weight: w }), l1);
  });

  it('labelSmoothing: (1 - eps) nll + eps/C * sum_c(-log p_c)', () => {
    const eps = 0.1;
    const C = 3;
    const t = i32([2, 0]);
    const s1 = -sum(LP[0]!);
    const s2 = -sum(LP[1]!);
    const none = [(1 - eps) * l1 + (eps / C) * s1, (1 - eps) * l2 + (eps / C) * s2];
    expectClose(crossEntropy(logits(), t, { labelSmoothing: eps, reduction: 'none' }), none);
    expectClose(crossEntropy(logits(), t, { labelSmoothing: eps, reduction: 'sum' }), none[0]! + none[1]!);
    expectClose(crossEntropy(logits(), t, { labelSmoothing: eps }), (none[0]! + none[1]!) / 2);
    // With an ignored row: it contributes nothing and is not counted.
    expectClose(crossEntropy(logits(), i32([2, -100]), { labelSmoothing: eps }), none[0]!);
  });

  it('labelSmoothing with class weights (torch normalises the smooth term by the target weights too)', () => {
    const eps = 0.2;
    const w = [1, 2, 3];
    const C = 3;
    const t = [2, 0];
    const nll = [-w[2]! * LP[0]![2]!, -w[0]! * LP[1]![0]!];
    const smooth = LP.map((row) => -sum(row.map((v, c) => w[c]! * v)));
    const wsum = w[t[0]!]! + w[t[1]!]!;
    const expected = (1 - eps) * (sum(nll) / wsum) + (eps / C) * (sum(smooth) / wsum);
    expectClose(crossEntropy(logits(), i32(t), { labelSmoothing: eps, weight: f64(w) }), expected);
    expectClose(
      crossEntropy(logits(), i32(t), { labelSmoothing: eps, weight: f64(w), reduction: 'none' }),
      [0, 1].map((n) => (1 - eps) * nll[n]! + (eps / C) * smooth[n]!),
    );
  });

  it('unbatched [C] input with a 0-d target', () => {
    const y = crossEntropy(f64([1, 2, 3]), i32(2));
    expect(y.shape).toEqual([]);
    expectClose(y, l1);
    expectClose(crossEntropy(f64([1, 2, 3]), i32(2), { reduction: 'none' }), l1);
  });

  it('spatial [N, C, d] input with [N, d] targets', () => {
    // One sample, C = 3, d = 2: position 0 has logits L[0], position 1 has L[1].
    const x = f64([[[1, 1], [2, 0], [3, -1]]]);
    expectClose(crossEntropy(x, i32([[2, 0]]), { reduction: 'none' }), [[l1, l2]]);
    expectClose(crossEntropy(x, i32([[2, 0]])), (l1 + l2) / 2);
  });

  it('rejects out-of-range targets, wrong target shapes/dtypes, int logits and bad options', () => {
    const x = logits();
    const bad = i32([3, 0]);
    const neg = i32([-1, 0]);
    const short = i32([1]);
    const xi = i32([[1, 2, 3], [4, 5, 6]]);
    const t = i32([0, 1]);
    expectBadInput(() => crossEntropy(x, bad), /argument 'target' holds class 3, out of range for 3 classes/, [x, bad]);
    expectBadInput(() => crossEntropy(x, neg), /argument 'target' holds class -1/, [x, neg]);
    expectBadInput(() => crossEntropy(x, short), /argument 'target' has shape \[1\]/, [x, short]);
    expectBadInput(() => crossEntropy(xi, t), /crossEntropy: argument 'input' has dtype int32/, [xi, t]);
    expectBadInput(() => crossEntropy(x, t, { labelSmoothing: 1.5 }), /crossEntropy: argument 'labelSmoothing'/, [x, t]);
    expectBadInput(() => crossEntropy(x, t, { reduction: 'avg' as never }), /crossEntropy: argument 'reduction'/, [x, t]);
    const s = f64(1);
    expectBadInput(() => crossEntropy(s, t), /crossEntropy: argument 'input'/, [s, t]);
  });
  // That these target errors name crossEntropy (they currently say nllLoss) is checked in errors.test.ts.
});

describe('crossEntropy with probability targets', () => {
  const P = [[0.2, 0.3, 0.5], [1, 0, 0]];
  const per = LP.map((row, n) => -sum(row.map((v, c) => P[n]![c]! * v)));

  it("reductions 'none', 'sum', 'mean' (mean over samples)", () => {
    expectClose(crossEntropy(logits(), f64(P), { reduction: 'none' }), per);
    expectClose(crossEntropy(logits(), f64(P), { reduction: 'sum' }), sum(per));
    expectClose(crossEntropy(logits(), f64(P)), sum(per) / 2);
  });

  it('one-hot probabilities equal class-index targets', () => {
    const oneHot = f64([[0, 0, 1], [1, 0, 0]]);
    expectClose(crossEntropy(logits(), oneHot), (-LP[0]![2]! - LP[1]![0]!) / 2);
  });

  it('class weights scale each class term; mean still divides by N', () => {
    const w = [1, 2, 3];
    const weighted = LP.map((row, n) => -sum(row.map((v, c) => w[c]! * P[n]![c]! * v)));
    expectClose(crossEntropy(logits(), f64(P), { weight: f64(w) }), sum(weighted) / 2);
    expectClose(crossEntropy(logits(), f64(P), { weight: f64(w), reduction: 'none' }), weighted);
  });

  it('labelSmoothing mixes the targets with the uniform distribution', () => {
    const eps = 0.3;
    const smoothed = P.map((row) => row.map((p) => p * (1 - eps) + eps / 3));
    const expected = LP.map((row, n) => -sum(row.map((v, c) => smoothed[n]![c]! * v)));
    expectClose(crossEntropy(logits(), f64(P), { labelSmoothing: eps, reduction: 'none' }), expected);
  });

  it('rejects probability targets of the wrong shape', () => {
    const x = logits();
    const p = f64([0.5, 0.5, 0]);
    expectBadInput(() => crossEntropy(x, p), /crossEntropy: argument 'target' holds probabilities of shape \[3\]/, [x, p]);
  });
});

describe('nllLoss', () => {
  const LPX = [[-1, -2, -3], [-0.5, -1.5, -2.5]];

  it('reductions and class weights', () => {
    const t = i32([1, 2]);
    expectClose(nllLoss(f64(LPX), t, { reduction: 'none' }), [2, 2.5]);
    expectClose(nllLoss(f64(LPX), t), 2.25);
    expectClose(nllLoss(f64(LPX), t, { reduction: 'sum' }), 4.5);
    const w = f64([1, 2, 3]);
    expectClose(nllLoss(f64(LPX), t, { weight: w, reduction: 'none' }), [4, 7.5]);
    expectClose(nllLoss(f64(LPX), t, { weight: w }), 11.5 / 5);
    expectClose(nllLoss(f64(LPX), t, { weight: w, reduction: 'sum' }), 11.5);
  });

  it('ignoreIndex and unbatched input', () => {
    expectClose(nllLoss(f64(LPX), i32([1, -100])), 2);
    expectClose(nllLoss(f64(LPX), i32([1, 7]), { ignoreIndex: 7 }), 2);
    expectClose(nllLoss(f64([-1, -2]), i32(1)), 2);
    expectClose(nllLoss(f64(LPX[0]!), i32(0), { reduction: 'none' }), 1);
  });

  it('composes with logSoftmax to crossEntropy', () => {
    const t = i32([2, 0]);
    expectClose(nllLoss(logits().logSoftmax(1), t), vals1(crossEntropy(logits(), t)));
  });

  it('rejects float targets, wrong target shapes, wrong weight shapes and out-of-range classes', () => {
    const x = f64(LPX);
    const tf = f64([1, 2]);
    const ts = i32([[1, 2]]);
    const t = i32([1, 2]);
    const w = f64([1, 2]);
    const big = i32([1, 5]);
    expectBadInput(() => nllLoss(x, tf), /nllLoss: argument 'target' must hold int32/, [x, tf]);
    expectBadInput(() => nllLoss(x, ts), /nllLoss: argument 'target' has shape \[1, 2\]/, [x, ts]);
    expectBadInput(() => nllLoss(x, t, { weight: w }), /nllLoss: argument 'weight' must have shape \[3\]/, [x, t, w]);
    expectBadInput(() => nllLoss(x, big), /nllLoss: argument 'target' holds class 5/, [x, big]);
    expectBadInput(() => nllLoss(x, t, { reduction: 'max' as never }), /nllLoss: argument 'reduction'/, [x, t]);
  });
});

function vals1(t: Tensor): number {
  return t.itemSync();
}

describe('binaryCrossEntropyWithLogits', () => {
  const X = [0.5, -1, 2, -3];
  const Y = [1, 0, 1, 0.25];
  const sp = (x: number): number => Math.log1p(Math.exp(-Math.abs(x))) + Math.max(-x, 0); // -log sigmoid(x)
  const plain = X.map((x, i) => (1 - Y[i]!) * x + sp(x));

  it("reductions 'mean' (default), 'sum', 'none'", () => {
    expectClose(binaryCrossEntropyWithLogits(f64(X), f64(Y), { reduction: 'none' }), plain);
    expectClose(binaryCrossEntropyWithLogits(f64(X), f64(Y), { reduction: 'sum' }), sum(plain));
    expectClose(binaryCrossEntropyWithLogits(f64(X), f64(Y)), sum(plain) / 4);
    // -[y log s(x) + (1-y) log(1-s(x))] for a plain case.
    const s = 1 / (1 + Math.exp(-0.5));
    expectClose(binaryCrossEntropyWithLogits(f64([0.5]), f64([1]), { reduction: 'none' }), [-Math.log(s)]);
  });

  it('is stable for large logits', () => {
    // The true values of the last two are 3.7e-44; torch's formula gives that or 0, never a large or NaN value.
    expectClose(binaryCrossEntropyWithLogits(f64([100, -100, 100, -100]), f64([0, 1, 1, 0]), { reduction: 'none' }), [100, 100, 0, 0], { rtol: 1e-12, atol: 1e-40 });
    expectClose(binaryCrossEntropyWithLogits(tensor([100, -100]), tensor([0, 1]), { reduction: 'none' }), [100, 100]);
  });

  it('posWeight multiplies the positive term (broadcast over the last dim)', () => {
    const pw = [2, 1, 0.5, 3];
    const expected = X.map((x, i) => (1 - Y[i]!) * x + (1 + (pw[i]! - 1) * Y[i]!) * sp(x));
    expectClose(binaryCrossEntropyWithLogits(f64(X), f64(Y), { posWeight: f64(pw), reduction: 'none' }), expected);
    // [2, 2] logits with posWeight [2] per class.
    const x2 = [[0.5, -1], [2, -3]];
    const y2 = [[1, 0], [1, 1]];
    const pw2 = [3, 0.5];
    const exp2 = x2.map((row, i) => row.map((x, j) => (1 - y2[i]![j]!) * x + (1 + (pw2[j]! - 1) * y2[i]![j]!) * sp(x)));
    expectClose(binaryCrossEntropyWithLogits(f64(x2), f64(y2), { posWeight: f64(pw2), reduction: 'none' }), exp2);
  });

  it('weight rescales each element', () => {
    const w = [1, 0, 2, 0.5];
    expectClose(binaryCrossEntropyWithLogits(f64(X), f64(Y), { weight: f64(w), reduction: 'sum' }), sum(plain.map((v, i) => v * w[i]!)));
  });

  it('float32 logits with bool targets', () => {
    const y = binaryCrossEntropyWithLogits(tensor([0.5, -1]), tensor([true, false]), { reduction: 'none' });
    expect(y.dtype).toBe('float32');
    expectClose(y, [sp(0.5), -1 + sp(-1)]);
  });

  it('rejects mismatched shapes, int logits and bad reductions', () => {
    const x = f64(X);
    const y3 = f64([1, 0, 1]);
    const y = f64(Y);
    const xi = i32([1, 2, 3, 4]);
    expectBadInput(() => binaryCrossEntropyWithLogits(x, y3), /binaryCrossEntropyWithLogits: argument 'target' has shape \[3\]/, [x, y3]);
    expectBadInput(() => binaryCrossEntropyWithLogits(xi, y), /binaryCrossEntropyWithLogits: argument 'input'/, [xi, y]);
    expectBadInput(() => binaryCrossEntropyWithLogits(x, y, { reduction: 'batchmean' as never }), /binaryCrossEntropyWithLogits: argument 'reduction'/, [x, y]);
  });
});

describe('klDiv', () => {
  const logQ = (): Tensor => f64([[0.25, 0.75], [0.5, 0.5]]).log();
  const P = [[0.5, 0.5], [0, 1]];
  const pointwise = [[0.5 * Math.log(2), 0.5 * Math.log(2 / 3)], [0, Math.LN2]];
  const total = sum(pointwise.flat());

  it("reductions 'none', 'sum', 'mean' (over elements), 'batchmean' (over the batch)", () => {
    expectClose(klDiv(logQ(), f64(P), { reduction: 'none' }), pointwise);
    expectClose(klDiv(logQ(), f64(P), { reduction: 'sum' }), total);
    expectClose(klDiv(logQ(), f64(P)), total / 4);
    expectClose(klDiv(logQ(), f64(P), { reduction: 'batchmean' }), total / 2);
  });

  it('zero targets contribute 0 even where log q is -Infinity', () => {
    const y = klDiv(f64([-Infinity, 0]), f64([0, 1]), { reduction: 'none' });
    expectClose(y, [0, 0]);
    expectClose(klDiv(f64([-Infinity, 0]), f64([0, 1]), { reduction: 'sum' }), 0);
  });

  it('logTarget takes log p and gives the same values', () => {
    const p = f64([[0.5, 0.5], [0.1, 0.9]]);
    const a = klDiv(logQ(), p, { reduction: 'none' });
    const b = klDiv(logQ(), p.log(), { reduction: 'none', logTarget: true });
    expectClose(b, a.arraySync() as number[][], 1e-14);
    expectClose(klDiv(logQ(), p.log(), { logTarget: true, reduction: 'batchmean' }), a.sum().itemSync() / 2, 1e-14);
  });

  it('KL of a distribution with itself is 0', () => {
    expectClose(klDiv(f64([0.2, 0.8]).log(), f64([0.2, 0.8]), { reduction: 'sum' }), 0, 1e-15);
  });

  it('rejects bad reductions and int inputs', () => {
    const q = logQ();
    const p = f64(P);
    const pi = i32([[1, 0], [0, 1]]);
    expectBadInput(() => klDiv(q, p, { reduction: 'avg' as never }), /klDiv: argument 'reduction'/, [q, p]);
    expectBadInput(() => klDiv(q, pi), /klDiv: argument 'input' and target must be float/, [q, pi]);
  });
});

describe('mseLoss', () => {
  it('reductions and broadcasting', () => {
    const a = f64([1, 2, 3]);
    const b = f64([1, 0, 5]);
    expectClose(mseLoss(a, b), 8 / 3);
    expectClose(mseLoss(a, b, 'sum'), 8);
    expectValues(mseLoss(a, b, 'none'), [0, 4, 4], 'float64');
    expectClose(mseLoss(f64([[1, 2, 3], [0, 0, 0]]), b, 'none'), [[0, 4, 4], [1, 0, 25]]);
    expectClose(mseLoss(tensor([0.5]), tensor([0])), 0.25);
  });

  it('rejects a bad reduction', () => {
    const a = f64([1, 2]);
    expectBadInput(() => mseLoss(a, a, 'batchmean' as never), /mseLoss: argument 'reduction'/, [a]);
  });
  // Non-broadcastable shapes: see errors.test.ts (currently reported by the inner 'sub').
});
