import type { Tensor } from '@tessera/tensor';
import { check, indexSelect, sliceScatter, where, zeros } from '@tessera/tensor';
import { Module } from '../module.js';
import type { ParamOptions } from './init.js';
import { normalInit } from './init.js';

export interface EmbeddingOptions extends ParamOptions {
  /** Rows at this index receive no gradient (torch's padding_idx); its initial row is zero. */
  paddingIdx?: number | null;
  /** Std of the normal initialisation (torch: 1; BERT: initializer_range 0.02). */
  initStd?: number;
}

/** Lookup table `weight [numEmbeddings, embeddingDim]`: int32 ids `[...]` -> `[..., embeddingDim]`. */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  weight: Tensor;

  constructor(numEmbeddings: number, embeddingDim: number, opts: EmbeddingOptions = {}) {
    super();
    check(Number.isInteger(numEmbeddings) && numEmbeddings > 0, 'Embedding', 'numEmbeddings', () => `must be a positive integer, got ${numEmbeddings}`);
    check(Number.isInteger(embeddingDim) && embeddingDim > 0, 'Embedding', 'embeddingDim', () => `must be a positive integer, got ${embeddingDim}`);
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    const pad = opts.paddingIdx ?? null;
    check(pad === null || (Number.isInteger(pad) && pad >= 0 && pad < numEmbeddings), 'Embedding', 'paddingIdx', () => `must be an index below ${numEmbeddings}, got ${pad}`);
    this.paddingIdx = pad;
    let w = normalInit([numEmbeddings, embeddingDim], opts.initStd ?? 1, opts);
    if (pad !== null) w = sliceScatter(w, zeros([1, embeddingDim], { dtype: w.dtype, device: w.device }), 0, pad, pad + 1);
    this.weight = this.param('weight', w);
  }

  /** int32 ids `[...]` -> `[..., embeddingDim]`. */
  forward(ids: Tensor): Tensor {
    check(ids.dtype === 'int32', 'Embedding', 'ids', () => `must be int32, got ${ids.dtype}`);
    const flat = ids.reshape(-1);
    let rows = indexSelect(this.weight, 0, flat);
    if (this.paddingIdx !== null && this.weight.requiresGrad) {
      // Same values, but padding positions pass no gradient to their row (torch's padding_idx).
      rows = where(flat.eq(this.paddingIdx).unsqueeze(1), rows.detach(), rows);
    }
    return rows.reshape([...ids.shape, this.embeddingDim]);
  }
}
