/** Second derivatives: rules are tensor-op compositions, so grad of grad must hold too. */
import { describe, it } from 'vitest';
import fc from 'fast-check';
import * as T from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import { gradgradcheck } from '@tessera/autograd';
import { awayFromZero, broadcastPairArb, leaf, seedArb, shapeArb, uniformLeaf } from './arbitraries.js';

function prop<A>(arb: fc.Arbitrary<A>, body: (a: A) => void): void {
  fc.assert(fc.property(arb, (a) => T.tidy(() => body(a))), { numRuns: 6 });
}

const unary: [string, (x: Tensor) => Tensor, (s: number[], seed: number) => Tensor][] = [
  ['exp', T.exp, leaf],
  ['log', T.log, (s, seed) => uniformLeaf(s, seed, 0.3, 2)],
  ['sqrt', T.sqrt, (s, seed) => uniformLeaf(s, seed, 0.3, 2)],
  ['rsqrt', T.rsqrt, (s, seed) => uniformLeaf(s, seed, 0.3, 2)],
  ['reciprocal', T.reciprocal, awayFromZero],
  ['tanh', T.tanh, leaf],
  ['sigmoid', T.sigmoid, leaf],
  ['sin', T.sin, leaf],
  ['erf', T.erf, leaf],
  ['gelu', (x) => T.gelu(x), leaf],
  ['gelu tanh', (x) => T.gelu(x, 'tanh'), leaf],
  ['silu', T.silu, leaf],
  ['softplus', T.softplus, leaf],
  ['log1p', T.log1p, (s, seed) => uniformLeaf(s, seed, -0.5, 2)],
  ['expm1', T.expm1, leaf],
  ['square', T.square, leaf],
];

describe('gradgradcheck', () => {
  for (const [name, fn, make] of unary) {
    it(name, () => prop(fc.tuple(shapeArb(0, 3), seedArb), ([s, seed]) => gradgradcheck(fn, [make(s, seed)])));
  }
  it('mul / div / pow with broadcasting', () =>
    prop(fc.tuple(broadcastPairArb(0, 3), seedArb), ([[sa, sb], seed]) => {
      gradgradcheck(T.mul, [leaf(sa, seed), leaf(sb, seed + 1)]);
      gradgradcheck(T.div, [leaf(sa, seed), awayFromZero(sb, seed + 1)]);
      gradgradcheck(T.pow, [uniformLeaf(sa, seed, 0.5, 2), uniformLeaf(sb, seed + 1, -1, 2)]);
    }),
  );
  it('matmul', () =>
    prop(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), seedArb), ([m, k, seed]) =>
      gradgradcheck((a, b) => a.matmul(b).tanh(), [leaf([m, k], seed), leaf([k, 2], seed + 1)]),
    ),
  );
  it('softmax / logSoftmax / logsumexp', () =>
    prop(fc.tuple(shapeArb(1, 3), seedArb), ([s, seed]) => {
      gradgradcheck((x) => T.softmax(x, -1), [leaf(s, seed)]);
      gradgradcheck((x) => T.logSoftmax(x, 0), [leaf(s, seed)]);
      gradgradcheck((x) => T.logsumexp(x, -1), [leaf(s, seed)]);
    }),
  );
  it('layerNorm', () =>
    prop(fc.tuple(shapeArb(1, 3), seedArb), ([s, seed]) => {
      const n = s.slice(-1);
      gradgradcheck((x, w, b) => T.layerNorm(x, n, w, b), [leaf(s, seed), leaf(n, seed + 1), leaf(n, seed + 2)]);
    }),
  );
  it('norm, normalize, cdist', () =>
    prop(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), seedArb), ([n, d, seed]) => {
      gradgradcheck((x) => T.norm(x, 2, -1), [awayFromZero([n, d], seed)]);
      gradgradcheck((x) => T.normalize(x), [awayFromZero([n, d], seed)]);
      gradgradcheck((a, b) => T.cdist(a, b), [leaf([n, d], seed), leaf([2, d], seed + 1)]);
    }),
  );
  it('crossEntropy and gather', () =>
    prop(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 4 }), seedArb), ([n, c, seed]) => {
      const y = T.tensor(Array.from({ length: n }, (_, i) => i % c), { dtype: 'int32' });
      gradgradcheck((x) => T.crossEntropy(x, y), [leaf([n, c], seed)]);
      gradgradcheck((x) => T.gather(x.square(), 1, y.reshape(n, 1)), [leaf([n, c], seed)]);
    }),
  );
  it('amax / max(dim) / where / clamp / maximum', () =>
    prop(fc.tuple(shapeArb(1, 3), seedArb), ([s, seed]) => {
      gradgradcheck((x) => T.amax(x.square(), -1), [leaf(s, seed)]);
      gradgradcheck((x) => T.max(x.square(), 0).values, [leaf(s, seed)]);
      gradgradcheck((x) => T.where(x.gt(0), x.square(), x.exp()), [awayFromZero(s, seed)]);
      gradgradcheck((x) => T.clamp(x.square(), 0.1, 2), [leaf(s, seed)]);
      gradgradcheck((a, b) => T.maximum(a.square(), b), [leaf(s, seed), leaf(s, seed + 1)]);
    }),
  );
  it('shape and indexing ops', () =>
    prop(fc.tuple(shapeArb(2, 3), seedArb), ([s, seed]) => {
      gradgradcheck((x) => T.cat([x.square(), x], 0).permute(s.map((_, i) => s.length - 1 - i)).reshape(-1), [leaf(s, seed)]);
      gradgradcheck((x) => x.square().expand([2, ...s]).slice(-1, 0, null, 2).sum(0), [leaf(s, seed)]);
      gradgradcheck((x) => T.triu(x.square()), [leaf(s, seed)]);
    }),
  );
});
