/**
 * Every differentiable op: autograd's Jacobian against central finite differences in float64,
 * on shapes fast-check draws (ranks 0-4, size-1 dims, broadcasting).
 */
import { describe, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import { gradcheck } from '@tessera/autograd';
import { awayFromZero, broadcastPairArb, leaf, seedArb, shapeArb, uniformLeaf } from './arbitraries.js';

const RUNS = 12;

function prop<A>(arb: fc.Arbitrary<A>, body: (a: A) => void, runs = RUNS): void {
  fc.assert(
    fc.property(arb, (a) => {
      T.tidy(() => body(a));
    }),
    { numRuns: runs },
  );
}

const unaryCases: [string, (x: Tensor) => Tensor, (shape: number[], seed: number) => Tensor][] = [
  ['neg', T.neg, leaf],
  ['abs', T.abs, awayFromZero],
  ['sign', T.sign, awayFromZero],
  ['square', T.square, leaf],
  ['exp', T.exp, leaf],
  ['log', T.log, (s, seed) => uniformLeaf(s, seed, 0.2, 3)],
  ['log1p', T.log1p, (s, seed) => uniformLeaf(s, seed, -0.7, 3)],
  ['expm1', T.expm1, leaf],
  ['sqrt', T.sqrt, (s, seed) => uniformLeaf(s, seed, 0.2, 3)],
  ['rsqrt', T.rsqrt, (s, seed) => uniformLeaf(s, seed, 0.2, 3)],
  ['reciprocal', T.reciprocal, awayFromZero],
  ['sin', T.sin, leaf],
  ['cos', T.cos, leaf],
  ['tanh', T.tanh, leaf],
  ['sigmoid', T.sigmoid, leaf],
  ['relu', T.relu, awayFromZero],
  ['erf', T.erf, leaf],
  ['gelu', (x) => T.gelu(x), leaf],
  ['gelu tanh', (x) => T.gelu(x, 'tanh'), leaf],
  ['silu', T.silu, leaf],
  ['softplus', T.softplus, (s, seed) => uniformLeaf(s, seed, -25, 25)],
  ['floor', T.floor, (s, seed) => uniformLeaf(s, seed, 0.1, 0.9)],
  ['ceil', T.ceil, (s, seed) => uniformLeaf(s, seed, 0.1, 0.9)],
  ['round', T.round, (s, seed) => uniformLeaf(s, seed, 0.1, 0.4)],
];

describe('gradcheck: unary elementwise', () => {
  for (const [name, fn, make] of unaryCases) {
    it(name, () => prop(fc.tuple(shapeArb(), seedArb), ([shape, seed]) => gradcheck(fn, [make(shape, seed)])));
  }
});

const binaryCases: [string, (a: Tensor, b: Tensor) => Tensor, (s: number[], seed: number) => Tensor, (s: number[], seed: number) => Tensor][] = [
  ['add', T.add, leaf, leaf],
  ['sub', T.sub, leaf, leaf],
  ['mul', T.mul, leaf, leaf],
  ['div', T.div, leaf, awayFromZero],
  ['pow', T.pow, (s, seed) => uniformLeaf(s, seed, 0.3, 2), (s, seed) => uniformLeaf(s, seed, -2, 2)],
  ['maximum', T.maximum, leaf, leaf],
  ['minimum', T.minimum, leaf, leaf],
];

describe('gradcheck: binary elementwise with broadcasting', () => {
  for (const [name, fn, makeA, makeB] of binaryCases) {
    it(name, () =>
      prop(fc.tuple(broadcastPairArb(), seedArb), ([[sa, sb], seed]) => gradcheck(fn, [makeA(sa, seed), makeB(sb, seed + 1)])),
    );
  }
  it('scalar operands', () =>
    prop(fc.tuple(shapeArb(), seedArb), ([s, seed]) => gradcheck((x) => T.sub(2, T.div(T.mul(x, 3), 4).pow(2)), [leaf(s, seed)])),
  );
  it('where', () =>
    prop(fc.tuple(broadcastPairArb(), seedArb), ([[sa, sb], seed]) => {
      const cond = T.rand(sa, { generator: new T.Generator(seed + 7) }).gt(0.5);
      gradcheck((a, b) => T.where(cond, a, b), [leaf(sa, seed), leaf(sb, seed + 1)]);
    }),
  );
  it('clamp', () =>
    prop(fc.tuple(shapeArb(), seedArb), ([s, seed]) => gradcheck((x) => T.clamp(x, -0.5, 0.7), [leaf(s, seed, (t) => t.add(0.013))])),
  );
  it('maskedFill', () =>
    prop(fc.tuple(broadcastPairArb(1), seedArb), ([[sa, sb], seed]) => {
      const big = sa.length >= sb.length ? sa : sb;
      const small = big === sa ? sb : sa;
      const mask = T.rand(small, { generator: new T.Generator(seed) }).gt(0.5);
      gradcheck((x) => T.maskedFill(x, mask, -3), [leaf(T.broadcastShapes('test', [big, small]), seed)]);
    }),
  );
});

describe('gradcheck: matmul', () => {
  const dims = fc.integer({ min: 1, max: 4 });
  it('2-D', () => prop(fc.tuple(dims, dims, dims, seedArb), ([m, k, n, seed]) => gradcheck(T.matmul, [leaf([m, k], seed), leaf([k, n], seed + 1)])));
  it('1-D operands', () =>
    prop(fc.tuple(dims, dims, seedArb), ([k, n, seed]) => {
      gradcheck(T.matmul, [leaf([k], seed), leaf([k, n], seed + 1)]);
      gradcheck(T.matmul, [leaf([n, k], seed), leaf([k], seed + 1)]);
      gradcheck(T.matmul, [leaf([k], seed), leaf([k], seed + 1)]);
    }),
  );
  it('batched with broadcast batch dims', () =>
    prop(fc.tuple(broadcastPairArb(0, 2), dims, dims, dims, seedArb), ([[ba, bb], m, k, n, seed]) =>
      gradcheck(T.matmul, [leaf([...ba, m, k], seed), leaf([...bb, k, n], seed + 1)]),
    ),
  );
  it('transposed operands', () =>
    prop(fc.tuple(dims, dims, dims, seedArb), ([m, k, n, seed]) => gradcheck((a, b) => T.matmul(a.T, b.T), [leaf([k, m], seed), leaf([n, k], seed + 1)])),
  );
});

/** A shape with a random subset of its dims (possibly negative) and keepdim. */
const reduceArb = shapeArb(1).chain((shape) =>
  fc.tuple(
    fc.constant(shape),
    fc.subarray(shape.map((_, i) => i), { minLength: 1 }).chain((dims) => fc.constant(dims.map((d) => (d % 2 ? d - shape.length : d)))),
    fc.boolean(),
    seedArb,
  ),
);
const dimArb = shapeArb(1).chain((shape) => fc.tuple(fc.constant(shape), fc.integer({ min: -shape.length, max: shape.length - 1 }), fc.boolean(), seedArb));

describe('gradcheck: reductions', () => {
  it('sum', () => prop(reduceArb, ([s, dims, keep, seed]) => gradcheck((x) => T.sum(x, dims, keep), [leaf(s, seed)])));
  it('sum of all, 0-d', () => prop(fc.tuple(shapeArb(), seedArb), ([s, seed]) => gradcheck((x) => T.sum(x), [leaf(s, seed)])));
  it('mean', () => prop(reduceArb, ([s, dims, keep, seed]) => gradcheck((x) => T.mean(x, dims, keep), [leaf(s, seed)])));
  it('amax', () => prop(reduceArb, ([s, dims, keep, seed]) => gradcheck((x) => T.amax(x, dims, keep), [leaf(s, seed)])));
  it('amin', () => prop(reduceArb, ([s, dims, keep, seed]) => gradcheck((x) => T.amin(x, dims, keep), [leaf(s, seed)])));
  it('full max/min', () => prop(fc.tuple(shapeArb(), seedArb), ([s, seed]) => gradcheck((x) => x.max().add(x.min()), [leaf(s, seed)])));
  it('max(dim) values', () => prop(dimArb, ([s, d, keep, seed]) => gradcheck((x) => T.max(x, d, keep).values, [leaf(s, seed)])));
  it('min(dim) values', () => prop(dimArb, ([s, d, keep, seed]) => gradcheck((x) => T.min(x, d, keep).values, [leaf(s, seed)])));
  it('logsumexp', () => prop(reduceArb, ([s, dims, keep, seed]) => gradcheck((x) => T.logsumexp(x, dims, keep), [leaf(s, seed)])));
  for (const p of [1, 2, 3, Infinity]) {
    it(`norm p=${p}`, () => prop(reduceArb, ([s, dims, keep, seed]) => gradcheck((x) => T.norm(x, p, dims, keep), [awayFromZero(s, seed)])));
  }
  it('var', () => prop(reduceArb, ([s, dims, keep, seed]) => gradcheck((x) => T.variance(x, dims, { keepdim: keep, correction: 0 }), [leaf(s, seed)])));
});

describe('gradcheck: softmax family and normalization', () => {
  it('softmax', () => prop(dimArb, ([s, d, , seed]) => gradcheck((x) => T.softmax(x, d), [leaf(s, seed)])));
  it('logSoftmax', () => prop(dimArb, ([s, d, , seed]) => gradcheck((x) => T.logSoftmax(x, d), [leaf(s, seed)])));
  it('layerNorm with weight and bias', () =>
    prop(fc.tuple(shapeArb(1, 3), fc.integer({ min: 1, max: 2 }), seedArb), ([s, k, seed]) => {
      const norm = s.slice(Math.max(0, s.length - k));
      gradcheck((x, w, b) => T.layerNorm(x, norm, w, b, 1e-5), [leaf(s, seed), leaf(norm, seed + 1), leaf(norm, seed + 2)]);
    }),
  );
  it('layerNorm without affine', () =>
    prop(fc.tuple(shapeArb(1, 3), seedArb), ([s, seed]) => gradcheck((x) => T.layerNorm(x, s.slice(-1), null, null, 1e-5), [leaf(s, seed)])),
  );
  it('dropout (seeded mask)', () =>
    prop(fc.tuple(shapeArb(), seedArb), ([s, seed]) => gradcheck((x) => T.dropout(x, 0.3, true, new T.Generator(seed)), [leaf(s, seed)])),
  );
  it('normalize', () =>
    prop(dimArb, ([s, d, , seed]) => gradcheck((x) => T.normalize(x, { dim: d }), [awayFromZero(s, seed)])),
  );
});

describe('gradcheck: losses', () => {
  const nc = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), seedArb);
  const labels = (n: number, c: number, seed: number, ignore = false): Tensor => {
    const g = new T.Generator(seed);
    const v = Array.from({ length: n }, (_, i) => (ignore && i === 0 ? -100 : Math.floor(g.random() * c)));
    return T.tensor(v, { dtype: 'int32' });
  };
  it('crossEntropy with int labels, all reductions', () =>
    prop(nc, ([n, c, seed]) => {
      for (const reduction of ['mean', 'sum', 'none'] as const) {
        gradcheck((x) => T.crossEntropy(x, labels(n, c, seed), { reduction }), [leaf([n, c], seed)]);
      }
    }),
  );
  it('crossEntropy with ignoreIndex, weights and label smoothing', () =>
    prop(nc, ([n, c, seed]) => {
      const y = labels(n + 1, c, seed, true);
      const weight = T.rand([c], { dtype: 'float64', generator: new T.Generator(seed) }).add(0.5);
      gradcheck((x) => T.crossEntropy(x, y, { weight, labelSmoothing: 0.1 }), [leaf([n + 1, c], seed)]);
    }),
  );
  it('crossEntropy with probability targets and [N, C, d] logits', () =>
    prop(nc, ([n, c, seed]) => {
      const p = T.softmax(T.randn([n, c, 2], { dtype: 'float64', generator: new T.Generator(seed) }), 1);
      gradcheck((x) => T.crossEntropy(x, p), [leaf([n, c, 2], seed)]);
    }),
  );
  it('nllLoss', () => prop(nc, ([n, c, seed]) => gradcheck((x) => T.nllLoss(x, labels(n, c, seed)), [leaf([n, c], seed)])));
  it('binaryCrossEntropyWithLogits with posWeight', () =>
    prop(fc.tuple(shapeArb(1), seedArb), ([s, seed]) => {
      const y = T.rand(s, { dtype: 'float64', generator: new T.Generator(seed) });
      const pw = T.rand(s.slice(-1), { dtype: 'float64', generator: new T.Generator(seed + 1) }).add(0.5);
      gradcheck((x) => T.binaryCrossEntropyWithLogits(x, y, { posWeight: pw }), [leaf(s, seed)]);
      gradcheck((x, t) => T.binaryCrossEntropyWithLogits(x, t, { reduction: 'sum' }), [leaf(s, seed), uniformLeaf(s, seed + 2, 0, 1)]);
    }),
  );
  it('klDiv batchmean, gradients into both arguments', () =>
    prop(fc.tuple(shapeArb(2, 3), seedArb), ([s, seed]) => {
      gradcheck((q, p) => T.klDiv(T.logSoftmax(q, -1), T.softmax(p, -1), { reduction: 'batchmean' }), [leaf(s, seed), leaf(s, seed + 1)]);
      gradcheck((q, p) => T.klDiv(q, p, { reduction: 'sum', logTarget: true }), [leaf(s, seed), leaf(s, seed + 1)]);
    }),
  );
  it('mseLoss', () =>
    prop(fc.tuple(broadcastPairArb(), seedArb), ([[sa, sb], seed]) => gradcheck((a, b) => T.mseLoss(a, b), [leaf(sa, seed), leaf(sb, seed + 1)])),
  );
});

describe('gradcheck: indexing', () => {
  it('gather', () =>
    prop(dimArb, ([s, d, , seed]) => {
      const g = new T.Generator(seed);
      const dim = d < 0 ? d + s.length : d;
      const idxShape = s.map((size, i) => (i === dim ? 1 + Math.floor(g.random() * 3) : Math.max(1, size - (g.random() < 0.3 ? 1 : 0))));
      const values = Array.from({ length: T.numel(idxShape) }, () => Math.floor(g.random() * s[dim]!));
      const index = T.tensor(values, { dtype: 'int32', shape: idxShape });
      gradcheck((x) => T.gather(x, d, index), [leaf(s, seed)]);
    }),
  );
  it('indexSelect with repeated indices', () =>
    prop(dimArb, ([s, d, , seed]) => {
      const dim = d < 0 ? d + s.length : d;
      const index = T.tensor([0, s[dim]! - 1, 0], { dtype: 'int32' });
      gradcheck((x) => T.indexSelect(x, d, index), [leaf(s, seed)]);
    }),
  );
  it('scatterAdd into x and from src', () =>
    prop(dimArb, ([s, d, , seed]) => {
      const g = new T.Generator(seed);
      const dim = d < 0 ? d + s.length : d;
      const srcShape = s.map((size, i) => (i === dim ? 2 : size));
      const idxShape = srcShape.map((size) => Math.max(1, size - (g.random() < 0.3 ? 1 : 0)));
      const values = Array.from({ length: T.numel(idxShape) }, () => Math.floor(g.random() * s[dim]!));
      const index = T.tensor(values, { dtype: 'int32', shape: idxShape });
      gradcheck((x, src) => T.scatterAdd(x, d, index, src), [leaf(s, seed), leaf(srcShape, seed + 1)]);
    }),
  );
  it('triu / tril', () =>
    prop(fc.tuple(shapeArb(2, 4), fc.integer({ min: -2, max: 2 }), seedArb), ([s, k, seed]) => {
      gradcheck((x) => T.triu(x, k), [leaf(s, seed)]);
      gradcheck((x) => T.tril(x, k), [leaf(s, seed)]);
    }),
  );
  it('diag both ways', () =>
    prop(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: -2, max: 2 }), seedArb), ([m, n, k, seed]) => {
      gradcheck((x) => T.diag(x, k), [leaf([m], seed)]);
      gradcheck((x) => T.diag(x, k), [leaf([m, n], seed)]);
    }),
  );
  it('sliceScatter', () =>
    prop(fc.tuple(shapeArb(1), seedArb), ([s, seed]) => {
      const src = s.map((size, i) => (i === 0 ? Math.ceil(size / 2) : size));
      gradcheck((x, y) => T.sliceScatter(x, y, 0, 0, null, 2), [leaf(s, seed), leaf(src, seed + 1)]);
    }),
  );
});

describe('gradcheck: shape ops', () => {
  it('reshape / view / flatten / squeeze / unsqueeze', () =>
    prop(fc.tuple(shapeArb(), seedArb), ([s, seed]) => {
      gradcheck((x) => x.reshape(-1), [leaf(s, seed)]);
      gradcheck((x) => x.flatten().view([T.numel(s), 1]).squeeze().unsqueeze(0), [leaf(s, seed)]);
    }),
  );
  it('permute / transpose / contiguous / clone of non-contiguous views', () =>
    prop(fc.tuple(shapeArb(2), seedArb), ([s, seed]) => {
      const dims = s.map((_, i) => s.length - 1 - i);
      gradcheck((x) => x.permute(dims).contiguous().mul(2).reshape(-1), [leaf(s, seed)]);
      gradcheck((x) => x.transpose(0, -1).clone(), [leaf(s, seed)]);
    }),
  );
  it('expand', () =>
    prop(fc.tuple(broadcastPairArb(), seedArb), ([[sa, sb], seed]) => {
      const target = T.broadcastShapes('test', [sa, sb]);
      gradcheck((x) => x.expand(target).mul(T.arange(0, T.numel(target), 1, { dtype: 'float64' }).reshape(target)), [leaf(sa, seed)]);
    }),
  );
  it('slice / narrow with steps', () =>
    prop(dimArb, ([s, d, , seed]) => {
      gradcheck((x) => x.slice(d, 0, null, 2), [leaf(s, seed)]);
      gradcheck((x) => x.narrow(d, 0, 1), [leaf(s, seed)]);
    }),
  );
  it('split / chunk', () =>
    prop(dimArb, ([s, d, , seed]) => {
      gradcheck((x) => x.split(1, d), [leaf(s, seed)]);
      gradcheck((x) => x.chunk(2, d), [leaf(s, seed)]);
    }),
  );
  it('cat / stack', () =>
    prop(dimArb, ([s, d, , seed]) => {
      const s2 = s.map((size, i) => (i === (d < 0 ? d + s.length : d) ? size + 1 : size));
      gradcheck((a, b) => T.cat([a, b, a], d), [leaf(s, seed), leaf(s2, seed + 1)]);
      gradcheck((a, b) => T.stack([a, b], d), [leaf(s, seed), leaf(s, seed + 1)]);
    }),
  );
  it('repeat', () =>
    prop(fc.tuple(shapeArb(0, 3), seedArb), ([s, seed]) => gradcheck((x) => x.repeat([2, ...s.map(() => 2)]), [leaf(s, seed)])),
  );
});

describe('gradcheck: similarity', () => {
  it('cosineSimilarity with broadcasting', () =>
    prop(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), seedArb), ([n, m, d, seed]) =>
      gradcheck((a, b) => T.cosineSimilarity(a, b, -1), [awayFromZero([n, 1, d], seed), awayFromZero([1, m, d], seed + 1)]),
    ),
  );
  it('pairwiseDistance p=1, 2', () =>
    prop(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), seedArb), ([n, d, seed]) => {
      gradcheck((a, b) => T.pairwiseDistance(a, b), [leaf([n, d], seed), leaf([n, d], seed + 1)]);
      gradcheck((a, b) => T.pairwiseDistance(a, b, 1), [leaf([n, d], seed), leaf([n, d], seed + 1)]);
    }),
  );
  it('cdist p=1, 2', () =>
    prop(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), seedArb), ([n, m, d, seed]) => {
      gradcheck((a, b) => T.cdist(a, b), [leaf([n, d], seed), leaf([m, d], seed + 1)]);
      gradcheck((a, b) => T.cdist(a, b, 1), [leaf([n, d], seed), leaf([m, d], seed + 1)]);
    }),
  );
});
