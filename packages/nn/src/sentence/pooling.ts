import type { Tensor } from '@tessera/tensor';
import { amax, arange, cast, cat, check, fmtShape, gather, maskedFill, ones, sum, TesseraError, where } from '@tessera/tensor';
import { Module } from '../module.js';
import type { FeatureModule, Features } from './features.js';

export type PoolingMode = 'cls' | 'max' | 'mean' | 'mean_sqrt_len_tokens' | 'weightedmean' | 'lasttoken';

/** sentence-transformers' 1_Pooling/config.json. */
export interface PoolingConfig {
  word_embedding_dimension: number;
  pooling_mode_cls_token: boolean;
  pooling_mode_mean_tokens: boolean;
  pooling_mode_max_tokens: boolean;
  pooling_mode_mean_sqrt_len_tokens: boolean;
  pooling_mode_weightedmean_tokens: boolean;
  pooling_mode_lasttoken: boolean;
  include_prompt: boolean;
}

const ORDER: readonly [PoolingMode, keyof PoolingConfig][] = [
  ['cls', 'pooling_mode_cls_token'],
  ['max', 'pooling_mode_max_tokens'],
  ['mean', 'pooling_mode_mean_tokens'],
  ['mean_sqrt_len_tokens', 'pooling_mode_mean_sqrt_len_tokens'],
  ['weightedmean', 'pooling_mode_weightedmean_tokens'],
  ['lasttoken', 'pooling_mode_lasttoken'],
];

/**
 * Token embeddings `[B, T, H]` -> sentence embedding `[B, k·H]`: the enabled modes concatenated in
 * sentence-transformers' order (cls, max, mean, mean_sqrt_len, weightedmean, lasttoken), all
 * respecting the attention mask.
 */
export class Pooling extends Module implements FeatureModule {
  config: PoolingConfig;

  constructor(dimension: number, modes: PoolingMode | readonly PoolingMode[] | Partial<PoolingConfig> = 'mean') {
    super();
    check(Number.isInteger(dimension) && dimension > 0, 'Pooling', 'dimension', () => `must be a positive integer, got ${dimension}`);
    const base: PoolingConfig = {
      word_embedding_dimension: dimension,
      pooling_mode_cls_token: false,
      pooling_mode_mean_tokens: false,
      pooling_mode_max_tokens: false,
      pooling_mode_mean_sqrt_len_tokens: false,
      pooling_mode_weightedmean_tokens: false,
      pooling_mode_lasttoken: false,
      include_prompt: true,
    };
    if (typeof modes === 'string' || Array.isArray(modes)) {
      for (const m of typeof modes === 'string' ? [modes] : (modes as readonly PoolingMode[])) {
        const key = ORDER.find(([name]) => name === m)?.[1];
        if (!key) throw new TesseraError('Pooling', 'modes', `'${m}' is not one of ${ORDER.map(([n]) => n).join(', ')}`);
        (base as unknown as Record<string, unknown>)[key] = true;
      }
      this.config = base;
    } else this.config = { ...base, ...(modes as Partial<PoolingConfig>), word_embedding_dimension: dimension };
    check(ORDER.some(([, k]) => this.config[k]), 'Pooling', 'modes', () => 'must enable at least one pooling mode');
  }

  /** Output width: H times the number of enabled modes. */
  get outputDimension(): number {
    return this.config.word_embedding_dimension * ORDER.filter(([, k]) => this.config[k]).length;
  }

  forward(features: Features): Features {
    const tokens = features.tokenEmbeddings;
    if (!tokens) throw new TesseraError('Pooling', 'features', 'has no tokenEmbeddings; put a Transformer module before Pooling');
    check(tokens.ndim === 3 && tokens.shape[2] === this.config.word_embedding_dimension, 'Pooling', 'tokenEmbeddings', () =>
      `has shape ${fmtShape(tokens.shape)}; expected [batch, seq, ${this.config.word_embedding_dimension}]`,
    );
    const [b, t] = tokens.shape as [number, number, number];
    let mask = features.attentionMask ?? ones([b, t], { dtype: 'int32', device: tokens.device });
    if (!this.config.include_prompt && features.promptLength) {
      const keep = arange(0, t, 1, { device: tokens.device }).ge(features.promptLength).reshape([1, t]);
      mask = where(keep, mask, 0);
    }
    const maskF = cast(mask, tokens.dtype).unsqueeze(-1); // [B, T, 1]
    const parts: Tensor[] = [];
    for (const [mode, key] of ORDER) {
      if (!this.config[key]) continue;
      if (mode === 'cls') parts.push(tokens.narrow(1, 0, 1).squeeze(1));
      else if (mode === 'max') parts.push(amax(maskedFill(tokens, maskF.eq(0), -1e9), 1));
      else if (mode === 'lasttoken') parts.push(lastToken(tokens, mask));
      else {
        const weights = mode === 'weightedmean' ? maskF.mul(arange(1, t + 1, 1, { dtype: tokens.dtype, device: tokens.device }).reshape([1, t, 1])) : maskF;
        const summed = sum(tokens.mul(weights), 1);
        const count = sum(weights, 1).clampMin(1e-9);
        parts.push(mode === 'mean_sqrt_len_tokens' ? summed.div(count.sqrt()) : summed.div(count));
      }
    }
    return { ...features, sentenceEmbedding: parts.length === 1 ? parts[0]! : cat(parts, 1) };
  }
}

/** The embedding of each row's last non-padding token (the last position when a row is all padding). */
function lastToken(tokens: Tensor, mask: Tensor): Tensor {
  const [b, t, h] = tokens.shape as [number, number, number];
  const positions = arange(0, t, 1, { device: tokens.device }).reshape([1, t]);
  const last = amax(where(mask.ne(0), positions, -1), 1, true); // [B, 1]
  const index = where(last.lt(0), t - 1, last).reshape([b, 1, 1]).expand([b, 1, h]);
  return gather(tokens, 1, index).squeeze(1);
}
