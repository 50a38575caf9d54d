import fc from 'fast-check';
import { Generator, randn, rand, tensor } from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';

/** A shape of rank `minRank..maxRank` with sizes 1..maxSize (size-1 dims included). */
export function shapeArb(minRank = 0, maxRank = 4, maxSize = 3): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: maxSize }), { minLength: minRank, maxLength: maxRank });
}

/** Two shapes that broadcast: the second drops some leading dims and sets some dims to 1. */
export function broadcastPairArb(minRank = 0, maxRank = 4): fc.Arbitrary<[number[], number[]]> {
  return shapeArb(minRank, maxRank).chain((shape) =>
    fc
      .tuple(fc.integer({ min: 0, max: shape.length }), fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }), fc.boolean())
      .map(([drop, ones, swap]) => {
        const other = shape.slice(drop).map((s, i) => (ones[i + drop] ? 1 : s));
        return (swap ? [other, shape] : [shape, other]) as [number[], number[]];
      }),
  );
}

export const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** Float64 standard-normal values that require grad. */
export function leaf(shape: readonly number[], seed: number, map?: (t: Tensor) => Tensor): Tensor {
  const raw = randn(shape, { dtype: 'float64', generator: new Generator(seed) });
  const t = map ? map(raw) : raw;
  return t.detach().requiresGrad_(true);
}

/** Float64 values in [lo, hi) that require grad. */
export function uniformLeaf(shape: readonly number[], seed: number, lo: number, hi: number): Tensor {
  return rand(shape, { dtype: 'float64', generator: new Generator(seed) }).mul(hi - lo).add(lo).detach().requiresGrad_(true);
}

/** Values bounded away from zero: sign(x) * (|x| + 0.5). */
export function awayFromZero(shape: readonly number[], seed: number): Tensor {
  return leaf(shape, seed, (t) => t.sign().mul(t.abs().add(0.5)).add(t.eq(0).double().mul(0.5)));
}

export function intTensor(values: number[], shape: readonly number[]): Tensor {
  return tensor(values, { dtype: 'int32', shape });
}
