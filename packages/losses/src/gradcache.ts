/**
 * GradCache (losses.md §G): a batch-coupled loss over a large batch while model activations are
 * held for one chunk of rows at a time. Step 1 embeds every column chunk by chunk without a graph
 * (saving the RNG state of each chunk); step 2 computes the loss on those embeddings as leaves, in
 * anchor chunks back-propagated one at a time, caching d(loss)/d(embedding); step 3 — the backward
 * of the returned value — replays each chunk through the model with its saved RNG state and
 * back-propagates the cached gradients (scaled by the upstream gradient) into the parameters.
 * The cache belongs to the returned tensor, so two forward calls before one backward stay separate.
 */
import type { GeneratorState, Tensor } from '@tessera/tensor';
import { cat, defaultGenerator, tidy, TesseraError, withRngState, zeros } from '@tessera/tensor';
import { customGrad, enableGrad, isGradEnabled, noGrad } from '@tessera/autograd';
import type { Features } from '@tessera/nn';
import { batchSize, chunkBoundaries, sliceFeatures } from './features.js';
import type { Loss } from './loss.js';

export interface GradCacheOptions {
  miniBatchSize: number;
  /** Token budget per embedding chunk instead of a row count (null: use miniBatchSize). */
  miniBatchNumTokens: number | null;
  /** Called with every embedding chunk in step 1 (CachedGIST runs its guide here). */
  onChunk?: (column: number, chunk: Features, b: number, e: number) => void;
}

/**
 * Step 2 on given rep leaves: returns the total (detached) and leaves d(total)/d(rep) in `reps[c].grad`.
 * A wrapper (MatryoshkaLoss) may replace it; it receives the default step 2 to call on its own leaves.
 */
export type GradCacheStage2 = (reps: Tensor[], defaultStage2: (leaves: Tensor[]) => Tensor) => Tensor;

/**
 * `step(reps, b, e)` returns anchor rows [b, e)'s part of the loss, already weighted so that the parts
 * sum to the full-batch loss; `reps[c]` is column c's embeddings `[B, D]`.
 */
export type ChunkedLossStep = (reps: Tensor[], b: number, e: number) => Tensor;

function embedChunk(loss: Loss, chunk: Features): Tensor {
  const e = loss.encode(chunk).sentenceEmbedding;
  if (!e) throw new TesseraError(loss.constructor.name, 'model', 'returned no sentenceEmbedding');
  return e;
}

export function gradCache(loss: Loss, features: Features[], step: ChunkedLossStep, opts: GradCacheOptions): Tensor {
  const name = loss.constructor.name;
  const rows = batchSize(features[0]!);
  features.forEach((f, c) => {
    if (batchSize(f) !== rows) throw new TesseraError(name, `features[${c}]`, `has ${batchSize(f)} rows but column 0 has ${rows}`);
  });
  const recording = isGradEnabled();
  const bounds = features.map((f) => chunkBoundaries(f, opts.miniBatchSize, opts.miniBatchNumTokens));
  const states: GeneratorState[][] = features.map(() => []);

  // Step 1: embed without a graph, chunk by chunk.
  const reps = features.map((f, c) => {
    const parts = bounds[c]!.map(([b, e], j) => {
      if (recording) states[c]![j] = defaultGenerator.getState();
      const chunk = sliceFeatures(f, b, e);
      opts.onChunk?.(c, chunk, b, e);
      return noGrad(() => tidy(() => embedChunk(loss, chunk)));
    });
    const full = noGrad(() => (parts.length === 1 ? parts[0]! : cat(parts, 0)));
    if (parts.length > 1) for (const p of parts) p.dispose();
    return recording ? full.detach().requiresGrad_(true) : full;
  });

  const anchorChunks: [number, number][] = [];
  for (let b = 0; b < rows; b += opts.miniBatchSize) anchorChunks.push([b, Math.min(b + opts.miniBatchSize, rows)]);

  if (!recording) {
    const valueOf = (leaves: Tensor[]): Tensor => tidy(() => anchorChunks.map(([b, e]) => step(leaves, b, e)).reduce((a, t) => a.add(t)));
    return loss.gradCacheStage2 ? loss.gradCacheStage2(reps, valueOf) : valueOf(reps);
  }

  // Step 2: the loss on the embeddings as leaves, one anchor chunk at a time.
  const defaultStage2 = (leaves: Tensor[]): Tensor => {
    let total: Tensor = noGrad(() => zeros([], { dtype: leaves[0]!.dtype, device: leaves[0]!.device }));
    for (const [b, e] of anchorChunks) {
      const part = step(leaves, b, e);
      part.backward();
      const next = noGrad(() => total.add(part.detach()));
      total.dispose();
      part.dispose();
      total = next;
    }
    return total;
  };
  const total = loss.gradCacheStage2 ? loss.gradCacheStage2(reps, defaultStage2) : defaultStage2(reps);
  reps.forEach((r, c) => {
    if (!r.grad) throw new TesseraError(name, `features[${c}]`, `(column ${c}) received no gradient: the loss never used it`);
  });
  const cached = reps.map((r) => r.grad!);

  // Step 3, run by the backward of the returned value: replay each chunk with its RNG state.
  const replay = (g: Tensor): void => {
    features.forEach((f, c) => {
      bounds[c]!.forEach(([b, e], j) => {
        withRngState(states[c]![j]!, () =>
          enableGrad(() =>
            tidy(() => {
              const r = embedChunk(loss, sliceFeatures(f, b, e));
              if (!r.requiresGrad) return;
              r.mul(cached[c]!.narrow(0, b, e - b)).sum().mul(g).backward();
            }),
          ),
        );
      });
    });
  };
  const out = customGrad(total, replay, [], `${name}.gradCache`);
  total.dispose();
  return out;
}
