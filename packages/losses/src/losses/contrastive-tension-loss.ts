import type { DType, Tensor } from '@tessera/tensor';
import { binaryCrossEntropyWithLogits, cat, check, fmtShape, full, sum, tensor, TesseraError } from '@tessera/tensor';
import type { Features } from '@tessera/nn';
import { Loss } from '../loss.js';
import type { LossInfo } from '../loss.js';
import type { EmbeddingModel } from '../model.js';

export const CT_CITATION = `@inproceedings{carlsson2021semantic,
    title={Semantic Re-tuning with Contrastive Tension},
    author={Fredrik Carlsson and Amaru Cuba Gyllensten and Evangelia Gogoulou and Erik Ylip{\\"a}{\\"a} Hellqvist and Magnus Sahlgren},
    booktitle={International Conference on Learning Representations},
    year={2021},
    url={https://openreview.net/forum?id=Ov_sMNau-PF}
}`;

/**
 * Contrastive Tension labels inferred from the tokens (sentence-transformers v6): pair i is 1 when
 * its two rows are the same token sequence, else 0. With an `attentionMask` in both records, the ids
 * at unmasked positions are compared (so different padded widths are fine); otherwise the two
 * `inputIds` rows must be equal element by element. On the CPU the unmasked ids are compared as
 * sequences; on other devices the comparison runs as tensor ops position by position (equivalent for
 * right-padded records, which is what Tessera's tokenizers produce). Returns `[B]` of `dtype`.
 */
export function sameTokenRows(a: Features, b: Features, dtype: DType = 'float32'): Tensor {
  const ia = a.inputIds;
  const ib = b.inputIds;
  check(ia.ndim === 2 && ib.ndim === 2 && ia.shape[0] === ib.shape[0], 'sameTokenRows', 'features', () => `need inputIds [B, T] with one row count, got ${fmtShape(ia.shape)} and ${fmtShape(ib.shape)}`);
  const masked = a.attentionMask !== undefined && b.attentionMask !== undefined;
  const [rows, ta] = ia.shape as [number, number];
  const tb = ib.shape[1]!;
  if (ia.device === 'cpu' && ib.device === 'cpu') {
    const da = ia.dataSync();
    const db = ib.dataSync();
    const ma = masked ? a.attentionMask!.dataSync() : null;
    const mb = masked ? b.attentionMask!.dataSync() : null;
    const seq = (d: ArrayLike<number>, m: ArrayLike<number> | null, r: number, t: number): number[] => {
      const out: number[] = [];
      for (let j = 0; j < t; j++) if (!m || m[r * t + j]) out.push(d[r * t + j]!);
      return out;
    };
    const labels = Array.from({ length: rows }, (_, r) => {
      const x = seq(da, ma, r, ta);
      const y = seq(db, mb, r, tb);
      return x.length === y.length && x.every((v, j) => v === y[j]) ? 1 : 0;
    });
    return tensor(labels, { dtype, device: 'cpu' });
  }
  if (!masked) {
    if (ta !== tb) return full([rows], 0, { dtype, device: ia.device });
    return ia.ne(ib).int().sum(1).eq(0).cast(dtype);
  }
  // Masked ids (−1 at padding), right-padded with −1 to a common width, compared position by position.
  const width = Math.max(ta, tb);
  const prep = (ids: Tensor, mask: Tensor, t: number): Tensor => {
    const m = ids.where(mask.ne(0), -1);
    return t === width ? m : cat([m, full([rows, width - t], -1, { dtype: m.dtype, device: m.device })], 1);
  };
  return prep(ia, a.attentionMask!, ta).ne(prep(ib, b.attentionMask!, tb)).int().sum(1).eq(0).cast(dtype);
}

/**
 * ContrastiveTensionLoss (Carlsson et al. 2021; sentence-transformers v6, losses.md §20).
 *
 * Two encoders: `model1`, a deep copy of the model taken at construction (a registered child, so its
 * parameters are trained with the loss), encodes column 0; `model2`, the model itself (the one kept),
 * encodes column 1. With `x_i = ⟨model1(s1_i), model2(s2_i)⟩` (raw dot product):
 *
 *   loss = Σ_i BCEWithLogits(x_i, y_i) = Σ_i [ max(x_i, 0) − x_i·y_i + log(1 + e^{−|x_i|}) ]
 *
 * (a **sum** over the batch), `y_i` = 1 for a pair of identical sentences, 0 otherwise. Without
 * labels, `y_i` is inferred from token equality (see `sameTokenRows`). Data: pairs from
 * `ContrastiveTensionDataLoader` / `contrastiveTensionBatches`. Decision 5: the copy follows the
 * loss's train()/eval() mode (it is a child module).
 */
export class ContrastiveTensionLoss extends Loss {
  static readonly info: LossInfo = {
    inputs: '(sentence_A, sentence_B) pairs from ContrastiveTensionDataLoader',
    labels: '1 if sentence_A and sentence_B are the same sentence, else 0 (optional: inferred from token equality)',
    citation: CT_CITATION,
    relations: ['ContrastiveTensionLossInBatchNegatives'],
  };

  /** The trained deep copy of the model (encodes column 0). */
  model1: EmbeddingModel;

  constructor(model: EmbeddingModel) {
    super(model);
    this.model1 = this.child('model1', model.clone());
  }

  /** The model itself (encodes column 1); the one kept after training. */
  get model2(): EmbeddingModel {
    return this.model;
  }

  forward(features: Features[], labels?: Tensor): Tensor {
    this.checkColumns(features, (k) => k === 2, 'exactly 2 columns: (sentence_A, sentence_B)');
    const reps1 = this.model1.forward(features[0]!).sentenceEmbedding;
    if (!reps1) throw new TesseraError('ContrastiveTensionLoss', 'model', 'returned no sentenceEmbedding');
    const [reps2] = this.embed([features[1]!]);
    const y = labels ?? sameTokenRows(features[0]!, features[1]!, reps1.dtype);
    return this.computeLossFromEmbeddings([reps1, reps2!], y);
  }

  /** The loss from both encoders' outputs `[model1(s1), model2(s2)]` and the 0/1 labels `[B]`. */
  computeLossFromEmbeddings(embeddings: Tensor[], labels?: Tensor): Tensor {
    this.checkEmbeddings(embeddings, (k) => k === 2, "2 embeddings: [model1's of column 0, model2's of column 1]");
    const [r1, r2] = embeddings as [Tensor, Tensor];
    const y = this.requireLabels(labels, '0/1 labels [batch] (forward infers them from the tokens)');
    const rows = r1.shape[0]!;
    check(y.numel === rows && (y.ndim === 1 || (y.ndim === 2 && y.shape[1] === 1)), 'ContrastiveTensionLoss', 'labels', () => `have shape ${fmtShape(y.shape)}; expected [${rows}] (one 0/1 label per pair)`);
    const scores = sum(r1.mul(r2), -1);
    let target = y.reshape([rows]);
    if (target.device !== scores.device) target = target.to(scores.device);
    if (target.dtype !== scores.dtype) target = target.cast(scores.dtype);
    return binaryCrossEntropyWithLogits(scores, target, { reduction: 'sum' });
  }

  override getConfigDict(): Record<string, unknown> {
    return {};
  }
}
