/**
 * Distance metrics by name (losses.md §10, §13, §14–17), as sentence-transformers exports them.
 * Every function carries `stName`, recorded in the loss config (e.g. `SiameseDistanceMetric.EUCLIDEAN`).
 */
import type { Tensor } from '@tessera/tensor';
import { cast, pairwiseDistance, TesseraError, where } from '@tessera/tensor';
import { cosSim, pairwiseCosSim, pairwiseEuclideanSim, pairwiseManhattanSim, torchCosine } from './similarity.js';

export type DistanceFn = ((a: Tensor, b: Tensor) => Tensor) & { readonly stName: string };
export type MatrixDistanceFn = ((e: Tensor) => Tensor) & { readonly stName: string };

function named<F extends object>(stName: string, fn: F): F & { readonly stName: string } {
  return Object.assign(fn, { stName });
}

/** ContrastiveLoss / OnlineContrastiveLoss: torch's pairwise_distance (+1e-6 inside) or cosine distance. `-> [B]` */
export const SiameseDistanceMetric = {
  EUCLIDEAN: named('SiameseDistanceMetric.EUCLIDEAN', (a: Tensor, b: Tensor) => pairwiseDistance(a, b, 2)),
  MANHATTAN: named('SiameseDistanceMetric.MANHATTAN', (a: Tensor, b: Tensor) => pairwiseDistance(a, b, 1)),
  COSINE_DISTANCE: named('SiameseDistanceMetric.COSINE_DISTANCE', (a: Tensor, b: Tensor) => torchCosine(a, b).neg().add(1)),
} as const;

/** TripletLoss: true distances without epsilon (sentence-transformers v6). `-> [B]` */
export const TripletDistanceMetric = {
  COSINE: named('TripletDistanceMetric.COSINE', (a: Tensor, b: Tensor) => pairwiseCosSim(a, b).neg().add(1)),
  EUCLIDEAN: named('TripletDistanceMetric.EUCLIDEAN', (a: Tensor, b: Tensor) => pairwiseEuclideanSim(a, b).neg()),
  MANHATTAN: named('TripletDistanceMetric.MANHATTAN', (a: Tensor, b: Tensor) => pairwiseManhattanSim(a, b).neg()),
} as const;

/**
 * Batch*TripletLoss: all pairwise distances `[B, D] -> [B, B]`. euclidean: from the Gram matrix, the
 * diagonal exactly 0 and zero-distance entries with zero gradient (sqrt guarded by 1e-16).
 */
export function euclideanDistanceMatrix(e: Tensor, squared = false): Tensor {
  const g = e.matmul(e.T);
  const q = g.diag();
  let d2 = q.unsqueeze(0).sub(g.mul(2)).add(q.unsqueeze(1));
  d2 = where(d2.lt(0), 0, d2);
  if (squared) return d2;
  const z = cast(d2.eq(0), d2.dtype);
  return z.neg().add(1).mul(d2.add(z.mul(1e-16)).sqrt());
}

const euclidean = named('BatchHardTripletLossDistanceFunction.euclidean_distance', (e: Tensor) => euclideanDistanceMatrix(e));
export const BatchHardTripletLossDistanceFunction = {
  euclidean_distance: euclidean,
  /** sentence-transformers v5's spelling, kept as an alias. */
  eucledian_distance: euclidean,
  cosine_distance: named('BatchHardTripletLossDistanceFunction.cosine_distance', (e: Tensor) => cosSim(e, e).neg().add(1)),
} as const;

/** Resolves a metric given by name (case-insensitive member or value) or as a function. */
export function resolveDistance<F extends { stName: string }>(op: string, table: Record<string, F>, value: string | F | ((...a: Tensor[]) => Tensor), aliases: Record<string, string> = {}): F {
  if (typeof value === 'function') return ('stName' in value ? value : named((value as { name: string }).name || 'custom', value)) as F;
  if (typeof value !== 'string') throw new TesseraError(op, 'distanceMetric', 'must be a metric name or a function');
  const key = aliases[value] ?? value;
  const hit = table[key] ?? table[key.toUpperCase()] ?? Object.values(table).find((f) => f.stName.endsWith(`.${key}`));
  if (!hit) throw new TesseraError(op, 'distanceMetric', `'${value}' is not one of ${Object.keys(table).join(', ')} (or a function)`);
  return hit;
}
