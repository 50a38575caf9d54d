import type { DeviceName, Tensor } from '@tessera/tensor';
import { cat, check, TesseraError } from '@tessera/tensor';
import { noGrad } from '@tessera/autograd';
import type { Features } from '@tessera/nn';
import { batchSize } from '../features.js';
import { gradCache } from '../gradcache.js';
import { Loss } from '../loss.js';
import type { LossInfo } from '../loss.js';
import type { EmbeddingModel } from '../model.js';
import { checkGistEmbeddings, checkGuide, GIST_CITATION, gistChunkLoss, gistSettings, guideEmbed, guideMustRetokenize } from './gist-embed-loss.js';
import type { GistSettings, MarginStrategy } from './gist-embed-loss.js';

export interface CachedGISTEmbedLossOptions {
  /** The frozen guide model (required); run in eval mode without gradients, never trained. */
  guide: EmbeddingModel;
  temperature?: number;
  miniBatchSize?: number;
  /** Token budget per embedding chunk instead of a row count (null: use miniBatchSize). */
  miniBatchNumTokens?: number | null;
  /** Accepted for compatibility; ignored. */
  showProgressBar?: boolean;
  marginStrategy?: MarginStrategy;
  margin?: number;
  contrastAnchors?: boolean;
  contrastPositives?: boolean;
  /** Multi-device gathering: not supported (Tessera is single-device); `true` is an error. */
  gatherAcrossDevices?: boolean;
}

const NAME = 'CachedGISTEmbedLoss';
const COLUMNS = 'at least 2 columns: (anchor, positive, negative_1, …, negative_n)';

/**
 * CachedGISTEmbedLoss (sentence-transformers v6, losses.md §5): GISTEmbedLoss computed with
 * GradCache (Gao et al. 2021), so that memory is bounded by `miniBatchSize` rows while the
 * in-batch candidates cover the whole batch; any number of negative columns (one `AN′_k` block each).
 *
 *   Z = [ AP′ | AA′ | PP′ | AN′_1 … AN′_n ] / temperature,   loss = CE(Z, t)
 *
 * with the guide-based suppression of GISTEmbedLoss (`θ_i = cos(ga_i, gp_i)`; a candidate is set to
 * −∞ when the guide scores it above `θ_i − margin` / `θ_i − |θ_i|·margin`, except the positive).
 * Step 1 embeds every column chunk by chunk without a graph, with the model and (in the same chunk)
 * the guide — eval mode, noGrad, re-tokenized when GISTEmbedLoss's rule requires it; step 2 computes
 * the rows [b, e) of Z for each anchor chunk against all candidates, adds
 * `CE(Z[b:e], t[b:e])·(e−b)/B` and back-propagates it at once; step 3 (the backward of the returned
 * value) replays the model (not the guide) chunk by chunk with the saved RNG states. Value and
 * gradients equal GISTEmbedLoss's (for at most one negative column) whatever the chunk size.
 */
export class CachedGISTEmbedLoss extends Loss {
  static readonly info: LossInfo = {
    inputs: '(anchor, positive) pairs or (anchor, positive, negative_1, …, negative_n) tuples',
    labels: 'none',
    citation: `${GIST_CITATION}

@misc{gao2021scaling,
    title={Scaling Deep Contrastive Learning Batch Size under Memory Limited Setup},
    author={Luyu Gao and Yunyi Zhang and Jiawei Han and Jamie Callan},
    year={2021},
    eprint={2101.06983},
    archivePrefix={arXiv},
    primaryClass={cs.LG}
}`,
    relations: ['GISTEmbedLoss', 'CachedMultipleNegativesRankingLoss'],
  };

  override readonly cachesGradients = true;
  /** The frozen guide (not a registered child: never in `parameters()`). */
  readonly guide: EmbeddingModel;
  readonly mustRetokenize: boolean;
  temperature: number;
  miniBatchSize: number;
  miniBatchNumTokens: number | null;
  readonly showProgressBar: boolean;
  marginStrategy: MarginStrategy;
  margin: number;
  contrastAnchors: boolean;
  contrastPositives: boolean;
  readonly gatherAcrossDevices = false;

  constructor(model: EmbeddingModel, options: CachedGISTEmbedLossOptions) {
    super(model);
    const o = (options ?? {}) as Partial<CachedGISTEmbedLossOptions>;
    this.guide = checkGuide(NAME, model, o.guide);
    const s = gistSettings(NAME, o);
    this.temperature = s.temperature;
    this.marginStrategy = s.marginStrategy;
    this.margin = s.margin;
    this.contrastAnchors = s.contrastAnchors;
    this.contrastPositives = s.contrastPositives;
    this.miniBatchSize = o.miniBatchSize ?? 32;
    this.miniBatchNumTokens = o.miniBatchNumTokens ?? null;
    this.checkChunking();
    this.showProgressBar = o.showProgressBar ?? false;
    this.mustRetokenize = guideMustRetokenize(model, this.guide);
  }

  private checkChunking(): void {
    const m = this.miniBatchSize;
    const t = this.miniBatchNumTokens;
    check(Number.isInteger(m) && m > 0, NAME, 'miniBatchSize', () => `must be a positive integer, got ${String(m)}`);
    check(t === null || (typeof t === 'number' && Number.isFinite(t) && t > 0), NAME, 'miniBatchNumTokens', () => `must be null or a positive number, got ${String(t)}`);
  }

  private get settings(): GistSettings {
    return gistSettings(NAME, this);
  }

  forward(features: Features[], _labels?: Tensor): Tensor {
    this.checkColumns(features, (k) => k >= 2, COLUMNS);
    this.checkChunking();
    const settings = this.settings;
    const parts: Tensor[][] = features.map(() => []);
    const guide: Tensor[] = [];
    // GradCache step 1 hands every embedding chunk here, in row order: embed it with the guide too.
    const onChunk = (c: number, chunk: Features, _b: number, e: number): void => {
      parts[c]!.push(guideEmbed(NAME, this.model, this.guide, chunk, this.mustRetokenize));
      if (e === batchSize(features[c]!)) {
        const p = parts[c]!;
        guide[c] = p.length === 1 ? p[0]! : noGrad(() => cat(p, 0));
        if (p.length > 1) for (const t of p) t.dispose();
        parts[c] = [];
      }
    };
    try {
      return gradCache(
        this,
        features,
        (reps, b, e) => {
          if (guide.length !== reps.length || guide.some((g) => !g)) throw new TesseraError(NAME, 'features', 'the guide did not embed every column in step 1');
          return gistChunkLoss(reps, guide, b, e, settings);
        },
        { miniBatchSize: this.miniBatchSize, miniBatchNumTokens: this.miniBatchNumTokens, onChunk },
      );
    } finally {
      for (const g of guide) g?.dispose();
      for (const p of parts) for (const t of p) t.dispose();
    }
  }

  /**
   * The loss value from the model's embeddings `[a, p, n_1, …]` and the guide's embeddings of the same
   * columns, computed in anchor chunks of miniBatchSize rows (= GISTEmbedLoss's value); plain autograd.
   */
  computeLossFromEmbeddings(embeddings: Tensor[], guideEmbeddings: Tensor[]): Tensor {
    checkGistEmbeddings(NAME, embeddings, guideEmbeddings, (k) => k >= 2, COLUMNS);
    this.checkChunking();
    const settings = this.settings;
    const rows = embeddings[0]!.shape[0]!;
    let total: Tensor | null = null;
    for (let b = 0; b < rows; b += this.miniBatchSize) {
      const part = gistChunkLoss(embeddings, guideEmbeddings, b, Math.min(b + this.miniBatchSize, rows), settings);
      total = total ? total.add(part) : part;
    }
    return total!;
  }

  /** Moves the loss's parameters and the guide. */
  override async to(device: DeviceName): Promise<this> {
    await super.to(device);
    await this.guide.to(device);
    return this;
  }

  override getConfigDict(): Record<string, unknown> {
    return {
      guide: this.guide.constructor.name,
      temperature: this.temperature,
      miniBatchSize: this.miniBatchSize,
      miniBatchNumTokens: this.miniBatchNumTokens,
      marginStrategy: this.marginStrategy,
      margin: this.margin,
      contrastAnchors: this.contrastAnchors,
      contrastPositives: this.contrastPositives,
      gatherAcrossDevices: this.gatherAcrossDevices,
    };
  }
}
