/**
 * The op test table: every differentiable op once, with the inputs fast-check draws for it.
 * gradcheck (float64, CPU) and the WebGPU-vs-CPU agreement tests (float32) both run this table,
 * so an op added here is covered by both.
 */
import fc from 'fast-check';
import * as T from '@tessera/tensor';
import type { DeviceName, DType, Tensor } from '@tessera/tensor';
import { broadcastPairArb, seedArb, shapeArb } from './arbitraries.js';

/** How an input's values are drawn. */
export type Domain = 'normal' | 'awayFromZero' | readonly [number, number];

export interface InputSpec {
  shape: readonly number[];
  seed: number;
  domain?: Domain;
}

export interface OpCase<P> {
  readonly name: string;
  readonly params: fc.Arbitrary<P>;
  /** The float inputs the op is differentiated with respect to. */
  inputs(p: P): InputSpec[];
  /** Runs the op; extra tensors (indices, masks) are made here on `device`, identically per device. */
  run(p: P, x: Tensor[], device: DeviceName): Tensor | Tensor[];
  /** float32 agreement tolerance when looser than the default (e.g. long reductions). */
  readonly loose?: boolean;
}

/** Deterministic values for a spec, drawn in float64 on the CPU then cast and moved. */
export function materialize(spec: InputSpec, dtype: DType, device: DeviceName): Tensor {
  const g = new T.Generator(spec.seed);
  const domain = spec.domain ?? 'normal';
  let base: Tensor;
  if (domain === 'normal') base = T.randn(spec.shape, { dtype: 'float64', generator: g });
  else if (domain === 'awayFromZero') {
    const n = T.randn(spec.shape, { dtype: 'float64', generator: g });
    base = T.where(n.ge(0), n.add(0.5), n.sub(0.5));
  } else base = T.rand(spec.shape, { dtype: 'float64', generator: g }).mul(domain[1] - domain[0]).add(domain[0]);
  return base.to(dtype).to(device).detach().requiresGrad_(true);
}

type Case = OpCase<never>;
function op<P>(c: OpCase<P>): Case {
  return c as unknown as Case;
}

const unary = (name: string, fn: (x: Tensor) => Tensor | Tensor[], domain: Domain = 'normal'): Case =>
  op({ name, params: fc.tuple(shapeArb(), seedArb), inputs: ([shape, seed]) => [{ shape, seed, domain }], run: (_p, [x]) => fn(x!) });

const binary = (name: string, fn: (a: Tensor, b: Tensor) => Tensor, da: Domain = 'normal', db: Domain = 'normal'): Case =>
  op({
    name,
    params: fc.tuple(broadcastPairArb(), seedArb),
    inputs: ([[sa, sb], seed]) => [{ shape: sa, seed, domain: da }, { shape: sb, seed: seed + 1, domain: db }],
    run: (_p, [a, b]) => fn(a!, b!),
  });

/** A shape with a random subset of its dims (half given negative) and keepdim. */
const reduceArb = shapeArb(1).chain((shape) =>
  fc.tuple(
    fc.constant(shape),
    fc.subarray(shape.map((_, i) => i), { minLength: 1 }).map((dims) => dims.map((d) => (d % 2 ? d - shape.length : d))),
    fc.boolean(),
    seedArb,
  ),
);
const reduce = (name: string, fn: (x: Tensor, dims: number[], keep: boolean) => Tensor, domain: Domain = 'normal'): Case =>
  op({ name, params: reduceArb, inputs: ([shape, , , seed]) => [{ shape, seed, domain }], run: ([, dims, keep], [x]) => fn(x!, dims, keep) });

/** A shape, one dim of it (possibly negative), keepdim, seed. */
const dimArb = shapeArb(1).chain((shape) => fc.tuple(fc.constant(shape), fc.integer({ min: -shape.length, max: shape.length - 1 }), fc.boolean(), seedArb));
const alongDim = (name: string, fn: (x: Tensor, dim: number, keep: boolean) => Tensor | Tensor[], domain: Domain = 'normal'): Case =>
  op({ name, params: dimArb, inputs: ([shape, , , seed]) => [{ shape, seed, domain }], run: ([, d, keep], [x]) => fn(x!, d, keep) });

const small = fc.integer({ min: 1, max: 4 });
const positive: Domain = [0.2, 3];

function labels(n: number, c: number, seed: number, device: DeviceName, ignoreFirst = false): Tensor {
  const g = new T.Generator(seed);
  const v = Array.from({ length: n }, (_, i) => (ignoreFirst && i === 0 ? -100 : Math.floor(g.random() * c)));
  return T.tensor(v, { dtype: 'int32', device });
}

function randomIndex(shape: readonly number[], bound: number, seed: number, device: DeviceName): Tensor {
  const g = new T.Generator(seed);
  return T.tensor(Array.from({ length: T.numel(shape) }, () => Math.floor(g.random() * bound)), { dtype: 'int32', shape, device });
}

function consts(shape: readonly number[], seed: number, device: DeviceName, dtype: DType, lo = 0, hi = 1): Tensor {
  return T.rand(shape, { dtype: 'float64', generator: new T.Generator(seed) }).mul(hi - lo).add(lo).to(dtype).to(device);
}

export const OP_CASES: readonly Case[] = [
  // ---- unary elementwise
  unary('neg', T.neg),
  unary('abs', T.abs, 'awayFromZero'),
  unary('sign', T.sign, 'awayFromZero'),
  unary('square', T.square),
  unary('exp', T.exp),
  unary('log', T.log, positive),
  unary('log1p', T.log1p, [-0.7, 3]),
  unary('expm1', T.expm1),
  unary('sqrt', T.sqrt, positive),
  unary('rsqrt', T.rsqrt, positive),
  unary('reciprocal', T.reciprocal, 'awayFromZero'),
  unary('sin', T.sin),
  unary('cos', T.cos),
  unary('tanh', T.tanh),
  unary('sigmoid', T.sigmoid),
  unary('relu', T.relu, 'awayFromZero'),
  unary('erf', T.erf),
  unary('gelu', (x) => T.gelu(x)),
  unary('gelu tanh', (x) => T.gelu(x, 'tanh')),
  unary('silu', T.silu),
  unary('softplus', T.softplus, [-25, 25]),
  unary('floor', T.floor, [0.1, 0.9]),
  unary('ceil', T.ceil, [0.1, 0.9]),
  unary('round', T.round, [0.1, 0.4]),
  unary('clamp', (x) => T.clamp(x.add(0.013), -0.5, 0.7)),
  unary('scalar operands', (x) => T.sub(2, T.div(T.mul(x, 3), 4).pow(2))),
  // ---- binary elementwise with broadcasting
  binary('add', T.add),
  binary('sub', T.sub),
  binary('mul', T.mul),
  binary('div', T.div, 'normal', 'awayFromZero'),
  binary('pow', T.pow, [0.3, 2], [-2, 2]),
  binary('maximum', T.maximum),
  binary('minimum', T.minimum),
  binary('geluBackward', T.geluBackward),
  binary('mseLoss', (a, b) => T.mseLoss(a, b)),
  op({
    name: 'where',
    params: fc.tuple(broadcastPairArb(), seedArb),
    inputs: ([[sa, sb], seed]) => [{ shape: sa, seed }, { shape: sb, seed: seed + 1 }],
    run: ([[sa], seed], [a, b], device) => T.where(consts(sa, seed + 7, device, 'float32').gt(0.5), a!, b!),
  }),
  op({
    name: 'maskedFill',
    params: fc.tuple(broadcastPairArb(1), seedArb),
    inputs: ([[sa, sb], seed]) => [{ shape: T.broadcastShapes('test', [sa, sb]), seed }],
    run: ([[sa, sb], seed], [x], device) => T.maskedFill(x!, consts(sa.length >= sb.length ? sb : sa, seed, device, 'float32').gt(0.5), -3),
  }),
  // ---- matmul
  op({
    name: 'matmul 2-D',
    params: fc.tuple(small, small, small, seedArb),
    inputs: ([m, k, n, seed]) => [{ shape: [m, k], seed }, { shape: [k, n], seed: seed + 1 }],
    run: (_p, [a, b]) => T.matmul(a!, b!),
  }),
  op({
    name: 'matmul 1-D operands',
    params: fc.tuple(small, small, seedArb),
    inputs: ([k, n, seed]) => [{ shape: [k], seed }, { shape: [k, n], seed: seed + 1 }, { shape: [n, k], seed: seed + 2 }, { shape: [k], seed: seed + 3 }],
    run: (_p, [v, m, mt, w]) => [T.matmul(v!, m!), T.matmul(mt!, v!), T.matmul(v!, w!)],
  }),
  op({
    name: 'matmul batched, broadcast batch dims',
    params: fc.tuple(broadcastPairArb(0, 2), small, small, small, seedArb),
    inputs: ([[ba, bb], m, k, n, seed]) => [{ shape: [...ba, m, k], seed }, { shape: [...bb, k, n], seed: seed + 1 }],
    run: (_p, [a, b]) => T.matmul(a!, b!),
  }),
  op({
    name: 'matmul of transposed views',
    params: fc.tuple(small, small, small, seedArb),
    inputs: ([m, k, n, seed]) => [{ shape: [k, m], seed }, { shape: [n, k], seed: seed + 1 }],
    run: (_p, [a, b]) => T.matmul(a!.T, b!.T),
  }),
  // ---- reductions
  reduce('sum', T.sum),
  unary('sum of all', (x) => T.sum(x)),
  reduce('mean', T.mean),
  reduce('amax', T.amax),
  reduce('amin', T.amin),
  unary('full max and min', (x) => x.max().add(x.min())),
  alongDim('max(dim)', (x, d, k) => T.max(x, d, k).values),
  alongDim('min(dim)', (x, d, k) => T.min(x, d, k).values),
  reduce('logsumexp', T.logsumexp),
  reduce('norm p=1', (x, d, k) => T.norm(x, 1, d, k), 'awayFromZero'),
  reduce('norm p=2', (x, d, k) => T.norm(x, 2, d, k), 'awayFromZero'),
  reduce('norm p=3', (x, d, k) => T.norm(x, 3, d, k), 'awayFromZero'),
  reduce('norm p=inf', (x, d, k) => T.norm(x, Infinity, d, k), 'awayFromZero'),
  reduce('var', (x, d, k) => T.variance(x, d, { keepdim: k, correction: 0 })),
  // ---- softmax family and normalization
  alongDim('softmax', (x, d) => T.softmax(x, d)),
  alongDim('logSoftmax', (x, d) => T.logSoftmax(x, d)),
  alongDim('normalize', (x, d) => T.normalize(x, { dim: d }), 'awayFromZero'),
  op({
    name: 'scaledMaskedSoftmax with a broadcast mask',
    params: shapeArb(1, 4).chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.integer({ min: 0, max: shape.length }),
        fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
        fc.constantFrom(0.125, 0.5, 2),
        seedArb,
      ),
    ),
    inputs: ([shape, drop, ones, , seed]) => [{ shape, seed }, { shape: shape.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)), seed: seed + 1 }],
    run: ([, , , scale], [x, mask]) => T.scaledMaskedSoftmax(x!, scale, mask!),
  }),
  op({
    name: 'scaledMaskedSoftmax without a mask',
    params: fc.tuple(shapeArb(1, 4), fc.constantFrom(0.125, 0.5, 2), seedArb),
    inputs: ([shape, , seed]) => [{ shape, seed }],
    run: ([, scale], [x]) => T.scaledMaskedSoftmax(x!, scale),
  }),
  op({
    name: 'layerNorm with weight and bias',
    params: fc.tuple(shapeArb(1, 3), fc.integer({ min: 1, max: 2 }), seedArb),
    inputs: ([s, k, seed]) => {
      const norm = s.slice(Math.max(0, s.length - k));
      return [{ shape: s, seed }, { shape: norm, seed: seed + 1 }, { shape: norm, seed: seed + 2 }];
    },
    run: ([s, k], [x, w, b]) => T.layerNorm(x!, s.slice(Math.max(0, s.length - k)), w, b, 1e-5),
  }),
  op({
    name: 'layerNorm without affine',
    params: fc.tuple(shapeArb(1, 3), seedArb),
    inputs: ([s, seed]) => [{ shape: s, seed }],
    run: ([s], [x]) => T.layerNorm(x!, s.slice(-1), null, null, 1e-5),
  }),
  op({
    name: 'dropout (seeded mask)',
    params: fc.tuple(shapeArb(), seedArb),
    inputs: ([s, seed]) => [{ shape: s, seed }],
    run: ([, seed], [x]) => T.dropout(x!, 0.3, true, new T.Generator(seed)),
  }),
  // ---- losses
  op({
    name: 'crossEntropy, int labels, every reduction',
    params: fc.tuple(small, small, seedArb),
    inputs: ([n, c, seed]) => [{ shape: [n, c], seed }],
    run: ([n, c, seed], [x], device) => (['mean', 'sum', 'none'] as const).map((reduction) => T.crossEntropy(x!, labels(n, c, seed, device), { reduction })),
  }),
  op({
    name: 'crossEntropy with ignoreIndex, weights, label smoothing',
    params: fc.tuple(small, small, seedArb),
    inputs: ([n, c, seed]) => [{ shape: [n + 1, c], seed }],
    run: ([n, c, seed], [x], device) =>
      T.crossEntropy(x!, labels(n + 1, c, seed, device, true), { weight: consts([c], seed, device, x!.dtype, 0.5, 1.5), labelSmoothing: 0.1 }),
  }),
  op({
    name: 'crossEntropy with probability targets, [N, C, d] logits',
    params: fc.tuple(small, small, seedArb),
    inputs: ([n, c, seed]) => [{ shape: [n, c, 2], seed }],
    run: ([n, c, seed], [x], device) => T.crossEntropy(x!, T.softmax(consts([n, c, 2], seed, device, x!.dtype, -2, 2), 1)),
  }),
  op({
    name: 'nllLoss',
    params: fc.tuple(small, small, seedArb),
    inputs: ([n, c, seed]) => [{ shape: [n, c], seed }],
    run: ([n, c, seed], [x], device) => T.nllLoss(x!, labels(n, c, seed, device)),
  }),
  op({
    name: 'binaryCrossEntropyWithLogits with posWeight, and into the target',
    params: fc.tuple(shapeArb(1), seedArb),
    inputs: ([s, seed]) => [{ shape: s, seed }, { shape: s, seed: seed + 2, domain: [0, 1] }],
    run: ([s, seed], [x, t], device) => [
      T.binaryCrossEntropyWithLogits(x!, consts(s, seed, device, x!.dtype), { posWeight: consts(s.slice(-1), seed + 1, device, x!.dtype, 0.5, 1.5) }),
      T.binaryCrossEntropyWithLogits(x!, t!, { reduction: 'sum' }),
    ],
  }),
  op({
    name: 'klDiv batchmean and logTarget, gradients into both arguments',
    params: fc.tuple(shapeArb(2, 3), seedArb),
    inputs: ([s, seed]) => [{ shape: s, seed }, { shape: s, seed: seed + 1 }],
    run: (_p, [q, p]) => [
      T.klDiv(T.logSoftmax(q!, -1), T.softmax(p!, -1), { reduction: 'batchmean' }),
      T.klDiv(q!, p!, { reduction: 'sum', logTarget: true }),
    ],
  }),
  // ---- indexing
  op({
    name: 'gather',
    params: dimArb,
    inputs: ([s, , , seed]) => [{ shape: s, seed }],
    run: ([s, d, , seed], [x], device) => {
      const g = new T.Generator(seed);
      const dim = d < 0 ? d + s.length : d;
      const idxShape = s.map((size, i) => (i === dim ? 1 + Math.floor(g.random() * 3) : Math.max(1, size - (g.random() < 0.3 ? 1 : 0))));
      return T.gather(x!, d, randomIndex(idxShape, s[dim]!, seed + 5, device));
    },
  }),
  op({
    name: 'indexSelect with repeated indices',
    params: dimArb,
    inputs: ([s, , , seed]) => [{ shape: s, seed }],
    run: ([s, d], [x], device) => T.indexSelect(x!, d, T.tensor([0, s[d < 0 ? d + s.length : d]! - 1, 0], { dtype: 'int32', device })),
  }),
  op({
    name: 'scatterAdd into x and from src',
    params: dimArb,
    inputs: ([s, d, , seed]) => [{ shape: s, seed }, { shape: s.map((size, i) => (i === (d < 0 ? d + s.length : d) ? 2 : size)), seed: seed + 1 }],
    run: ([s, d, , seed], [x, src], device) => {
      const g = new T.Generator(seed);
      const dim = d < 0 ? d + s.length : d;
      const idxShape = src!.shape.map((size) => Math.max(1, size - (g.random() < 0.3 ? 1 : 0)));
      return T.scatterAdd(x!, d, randomIndex(idxShape, s[dim]!, seed + 5, device), src!);
    },
  }),
  op({
    name: 'triu / tril',
    params: fc.tuple(shapeArb(2, 4), fc.integer({ min: -2, max: 2 }), seedArb),
    inputs: ([s, , seed]) => [{ shape: s, seed }],
    run: ([, k], [x]) => [T.triu(x!, k), T.tril(x!, k)],
  }),
  op({
    name: 'diag both ways',
    params: fc.tuple(small, small, fc.integer({ min: -2, max: 2 }), seedArb),
    inputs: ([m, n, , seed]) => [{ shape: [m], seed }, { shape: [m, n], seed: seed + 1 }],
    run: ([, , k], [v, m]) => [T.diag(v!, k), T.diag(m!, k)],
  }),
  op({
    name: 'sliceScatter',
    params: fc.tuple(shapeArb(1), seedArb),
    inputs: ([s, seed]) => [{ shape: s, seed }, { shape: s.map((size, i) => (i === 0 ? Math.ceil(size / 2) : size)), seed: seed + 1 }],
    run: (_p, [x, y]) => T.sliceScatter(x!, y!, 0, 0, null, 2),
  }),
  // ---- shape ops
  unary('reshape / view / flatten / squeeze / unsqueeze', (x) => [x.reshape(-1), x.flatten().view([x.numel, 1]).squeeze().unsqueeze(0)]),
  op({
    name: 'permute / transpose / contiguous / clone',
    params: fc.tuple(shapeArb(2), seedArb),
    inputs: ([s, seed]) => [{ shape: s, seed }],
    run: ([s], [x]) => [x!.permute(s.map((_, i) => s.length - 1 - i)).contiguous().mul(2).reshape(-1), x!.transpose(0, -1).clone()],
  }),
  op({
    name: 'expand',
    params: fc.tuple(broadcastPairArb(), seedArb),
    inputs: ([[sa], seed]) => [{ shape: sa, seed }],
    run: ([[sa, sb]], [x], device) => {
      const target = T.broadcastShapes('test', [sa, sb]);
      return x!.expand(target).mul(T.arange(0, T.numel(target), 1, { dtype: x!.dtype, device }).reshape(target));
    },
  }),
  alongDim('slice / narrow with steps', (x, d) => [x.slice(d, 0, null, 2), x.narrow(d, 0, 1)]),
  alongDim('split / chunk', (x, d) => [...x.split(1, d), ...x.chunk(2, d)]),
  op({
    name: 'cat / stack',
    params: dimArb,
    inputs: ([s, d, , seed]) => [{ shape: s, seed }, { shape: s.map((size, i) => (i === (d < 0 ? d + s.length : d) ? size + 1 : size)), seed: seed + 1 }, { shape: s, seed: seed + 2 }],
    run: ([, d], [a, b, c]) => [T.cat([a!, b!, a!], d), T.stack([a!, c!], d)],
  }),
  op({
    name: 'repeat',
    params: fc.tuple(shapeArb(0, 3), seedArb),
    inputs: ([s, seed]) => [{ shape: s, seed }],
    run: ([s], [x]) => x!.repeat([2, ...s.map(() => 2)]),
  }),
  // ---- similarity
  op({
    name: 'cosineSimilarity with broadcasting',
    params: fc.tuple(small, small, small, seedArb),
    inputs: ([n, m, d, seed]) => [{ shape: [n, 1, d], seed, domain: 'awayFromZero' }, { shape: [1, m, d], seed: seed + 1, domain: 'awayFromZero' }],
    run: (_p, [a, b]) => T.cosineSimilarity(a!, b!, -1),
  }),
  op({
    name: 'pairwiseDistance p=1, 2',
    params: fc.tuple(small, small, seedArb),
    inputs: ([n, d, seed]) => [{ shape: [n, d], seed }, { shape: [n, d], seed: seed + 1 }],
    run: (_p, [a, b]) => [T.pairwiseDistance(a!, b!), T.pairwiseDistance(a!, b!, 1)],
  }),
  op({
    name: 'cdist p=1, 2',
    params: fc.tuple(small, small, small, seedArb),
    inputs: ([n, m, d, seed]) => [{ shape: [n, d], seed }, { shape: [m, d], seed: seed + 1 }],
    run: (_p, [a, b]) => [T.cdist(a!, b!), T.cdist(a!, b!, 1)],
  }),
];
