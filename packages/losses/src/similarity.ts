/**
 * Similarity helpers with sentence-transformers' names and exact epsilons (losses.md §0.2).
 * Matrix forms map `[N, D] x [M, D] -> [N, M]`; pairwise forms `[N, D] x [N, D] -> [N]`.
 * Every function carries `stName`, the name sentence-transformers records in loss configs.
 */
import type { Tensor } from '@tessera/tensor';
import { cat, cdist, check, cosineSimilarity, fmtShape, matmul, normalize, sum, zeros } from '@tessera/tensor';

export type SimilarityFn = ((a: Tensor, b: Tensor) => Tensor) & { readonly stName: string };

function named(stName: string, fn: (a: Tensor, b: Tensor) => Tensor): SimilarityFn {
  return Object.assign(fn, { stName });
}

function rows(op: string, x: Tensor, arg: string): Tensor {
  check(x.ndim === 1 || x.ndim === 2, op, arg, () => `must be [D] or [N, D], got ${fmtShape(x.shape)}`);
  return x.ndim === 1 ? x.unsqueeze(0) : x;
}

function sameWidth(op: string, a: Tensor, b: Tensor): void {
  check(a.shape[a.ndim - 1] === b.shape[b.ndim - 1], op, 'b', () => `has width ${b.shape[b.ndim - 1]} but a has ${a.shape[a.ndim - 1]} (shapes ${fmtShape(a.shape)}, ${fmtShape(b.shape)})`);
}

/** normalize(a) · normalize(b)ᵀ with eps 1e-12. `[N, D] x [M, D] -> [N, M]` */
export const cosSim = named('cos_sim', (a, b) => {
  const x = rows('cosSim', a, 'a');
  const y = rows('cosSim', b, 'b');
  sameWidth('cosSim', x, y);
  return matmul(normalize(x, { dim: -1 }), normalize(y, { dim: -1 }).T);
});

/** a · bᵀ. `[N, D] x [M, D] -> [N, M]` */
export const dotScore = named('dot_score', (a, b) => {
  const x = rows('dotScore', a, 'a');
  const y = rows('dotScore', b, 'b');
  sameWidth('dotScore', x, y);
  return matmul(x, y.T);
});

/** −‖a_i − b_j‖₂ (gradient 0 at distance 0). `[N, D] x [M, D] -> [N, M]` */
export const euclideanSim = named('euclidean_sim', (a, b) => {
  const x = rows('euclideanSim', a, 'a');
  const y = rows('euclideanSim', b, 'b');
  sameWidth('euclideanSim', x, y);
  return cdist(x, y, 2).neg();
});

/** −‖a_i − b_j‖₁. `[N, D] x [M, D] -> [N, M]` */
export const manhattanSim = named('manhattan_sim', (a, b) => {
  const x = rows('manhattanSim', a, 'a');
  const y = rows('manhattanSim', b, 'b');
  sameWidth('manhattanSim', x, y);
  return cdist(x, y, 1).neg();
});

function pairs(op: string, a: Tensor, b: Tensor): void {
  check(a.ndim >= 1 && a.ndim === b.ndim && a.shape.every((s, i) => s === b.shape[i]), op, 'b', () => `must have a's shape ${fmtShape(a.shape)}, got ${fmtShape(b.shape)}`);
}

/** Σ_d normalize(a)_id · normalize(b)_id (eps 1e-12). `[N, D] x [N, D] -> [N]` */
export const pairwiseCosSim = named('pairwise_cos_sim', (a, b) => {
  pairs('pairwiseCosSim', a, b);
  return sum(normalize(a, { dim: -1 }).mul(normalize(b, { dim: -1 })), -1);
});

/** Σ_d a_id b_id. `[N, D] x [N, D] -> [N]` */
export const pairwiseDotScore = named('pairwise_dot_score', (a, b) => {
  pairs('pairwiseDotScore', a, b);
  return sum(a.mul(b), -1);
});

/** −sqrt(Σ_d (a_id − b_id)²), no epsilon (Tessera's gradient at identical rows is 0, not NaN). `-> [N]` */
export const pairwiseEuclideanSim = named('pairwise_euclidean_sim', (a, b) => {
  pairs('pairwiseEuclideanSim', a, b);
  return a.sub(b).norm(2, -1).neg();
});

/** −Σ_d |a_id − b_id|. `-> [N]` */
export const pairwiseManhattanSim = named('pairwise_manhattan_sim', (a, b) => {
  pairs('pairwiseManhattanSim', a, b);
  return a.sub(b).abs().sum(-1).neg();
});

/**
 * AnglE's angle similarity: rows read as complex vectors (first half real, second half imaginary;
 * an odd width gets one zero coordinate appended to both), |Σ(re + im)| of a·conj(b) / (‖a‖‖b‖),
 * in sentence-transformers' operation order. No epsilon: a zero row gives NaN. `-> [N]`
 */
export const pairwiseAngleSim = named('pairwise_angle_sim', (a, b) => {
  pairs('pairwiseAngleSim', a, b);
  let x = a;
  let y = b;
  const d = a.shape[a.ndim - 1]!;
  if (d % 2 === 1) {
    const pad = zeros([...a.shape.slice(0, -1), 1], { dtype: a.dtype, device: a.device });
    x = cat([a, pad], -1);
    y = cat([b, pad], -1);
  }
  const [xa, xb] = x.chunk(2, -1) as [Tensor, Tensor];
  const [yc, yd] = y.chunk(2, -1) as [Tensor, Tensor];
  const z = sum(yc.square().add(yd.square()), -1, true);
  let re = xa.mul(yc).add(xb.mul(yd)).div(z);
  let im = xb.mul(yc).sub(xa.mul(yd)).div(z);
  const dz = sum(xa.square().add(xb.square()), -1, true).sqrt();
  const dw = sum(yc.square().add(yd.square()), -1, true).sqrt();
  const ratio = dz.div(dw);
  re = re.div(ratio);
  im = im.div(ratio);
  return sum(cat([re, im], -1), -1).abs();
});

/** torch.nn.functional.cosine_similarity: each side over max(‖x‖, 1e-8), broadcasting. `-> [...]` */
export const torchCosine = named('cosine_similarity', (a, b) => cosineSimilarity(a, b, -1, 1e-8));

/** Matrix similarity functions by sentence-transformers' names. */
export const SIMILARITY_FUNCTIONS: Record<string, SimilarityFn> = {
  cos_sim: cosSim,
  cosine: cosSim,
  dot_score: dotScore,
  dot: dotScore,
  euclidean_sim: euclideanSim,
  euclidean: euclideanSim,
  manhattan_sim: manhattanSim,
  manhattan: manhattanSim,
};

/** Pairwise similarity functions by name. */
export const PAIRWISE_FUNCTIONS: Record<string, SimilarityFn> = {
  pairwise_cos_sim: pairwiseCosSim,
  pairwise_dot_score: pairwiseDotScore,
  pairwise_euclidean_sim: pairwiseEuclideanSim,
  pairwise_manhattan_sim: pairwiseManhattanSim,
  pairwise_angle_sim: pairwiseAngleSim,
};
