import type { Generator } from '@tessera/tensor';
import { check, defaultGenerator } from '@tessera/tensor';
import { Loss } from '../loss.js';
import type { LossInfo } from '../loss.js';
import type { EmbeddingModel } from '../model.js';
import { ADAPTIVE_LAYER_OPTIONS, AdaptiveLayerLoss } from './adaptive-layer-loss.js';
import type { LayerWeighting } from './adaptive-layer-loss.js';
import { checkOptionNames } from './batch-triplet-shared.js';
import { checkMatryoshkaDims, MatryoshkaLoss } from './matryoshka-loss.js';

export interface Matryoshka2dLossOptions {
  /** [loss] The inner loss, built on the same model. Required. */
  loss: Loss;
  /** [matryoshka_dims] Embedding widths to train. Required. */
  matryoshkaDims: readonly number[];
  /** [matryoshka_weights] One weight per dim. Default null: all 1. */
  matryoshkaWeights?: readonly number[] | null;
  /** [n_layers_per_step] Default 1. */
  nLayersPerStep?: number;
  /** [n_dims_per_step] Default 1: every pass draws its own dim. */
  nDimsPerStep?: number;
  /** [last_layer_weight] Default 1. */
  lastLayerWeight?: number;
  /** [prior_layers_weight] Default 1. */
  priorLayersWeight?: number;
  /** [kl_div_weight] Default 1. */
  klDivWeight?: number;
  /** [kl_temperature] Default 0.3. */
  klTemperature?: number;
  /** [layer_weighting] Default 'uniform'. */
  layerWeighting?: LayerWeighting;
  /** Host generator for the layer and dim sampling (shared by both parts). Default: the global generator. */
  generator?: Generator;
}

const OPTIONS = [...ADAPTIVE_LAYER_OPTIONS, 'matryoshkaDims', 'matryoshkaWeights', 'nDimsPerStep'];

/**
 * Matryoshka2dLoss (losses.md §25; 2D Matryoshka Sentence Embeddings): AdaptiveLayerLoss around a
 * MatryoshkaLoss around the inner loss —
 *
 *   `AdaptiveLayerLoss(model, MatryoshkaLoss(model, loss, matryoshkaDims, matryoshkaWeights, nDimsPerStep),
 *                      nLayersPerStep, lastLayerWeight, priorLayersWeight, klDivWeight, klTemperature, layerWeighting)`
 *
 * so the final-layer pass and every sampled prior-layer pass each draw their own Matryoshka dims
 * (one each with the default `nDimsPerStep = 1`), while the KL terms compare the full-width,
 * un-normalized sentence embeddings (recorded before truncation). Defaults: `nLayersPerStep = 1`,
 * `nDimsPerStep = 1`, `lastLayerWeight = priorLayersWeight = klDivWeight = 1`, `klTemperature = 0.3`,
 * `layerWeighting = 'uniform'`. The config merges AdaptiveLayerLoss's keys with MatryoshkaLoss's
 * (whose `loss` — the inner loss's name — wins).
 */
export class Matryoshka2dLoss extends AdaptiveLayerLoss {
  static override readonly info: LossInfo = {
    inputs: 'any',
    labels: 'any',
    citation: AdaptiveLayerLoss.info.citation!,
    relations: ['MatryoshkaLoss', 'AdaptiveLayerLoss'],
  };

  constructor(model: EmbeddingModel, options: Matryoshka2dLossOptions) {
    checkOptionNames('Matryoshka2dLoss', options, OPTIONS);
    const inner = options.loss;
    check(inner instanceof Loss, 'Matryoshka2dLoss', 'loss', () => `must be a Loss (e.g. new MultipleNegativesRankingLoss(model)), got ${inner === null ? 'null' : typeof inner}`);
    check(inner.model === model, 'Matryoshka2dLoss', 'loss', () => `${inner.constructor.name} must be built on the same model as the Matryoshka2dLoss`);
    checkMatryoshkaDims('Matryoshka2dLoss', model, options.matryoshkaDims, options.matryoshkaWeights);
    const nDims = options.nDimsPerStep ?? 1;
    check(typeof nDims === 'number' && Number.isInteger(nDims), 'Matryoshka2dLoss', 'nDimsPerStep', () => `must be an integer (≤ 0: every dim), got ${String(nDims)}`);
    const generator = options.generator ?? defaultGenerator;
    const matryoshka = new MatryoshkaLoss(model, {
      loss: inner,
      matryoshkaDims: options.matryoshkaDims,
      matryoshkaWeights: options.matryoshkaWeights ?? null,
      nDimsPerStep: nDims,
      generator,
    });
    super(
      model,
      {
        loss: matryoshka,
        nLayersPerStep: options.nLayersPerStep ?? 1,
        lastLayerWeight: options.lastLayerWeight ?? 1,
        priorLayersWeight: options.priorLayersWeight ?? 1,
        klDivWeight: options.klDivWeight ?? 1,
        klTemperature: options.klTemperature ?? 0.3,
        layerWeighting: options.layerWeighting ?? 'uniform',
        generator,
      },
      ADAPTIVE_LAYER_OPTIONS,
    );
  }

  /** The MatryoshkaLoss between this loss and the inner loss. */
  get matryoshka(): MatryoshkaLoss {
    return this.loss as MatryoshkaLoss;
  }

  override getConfigDict(): Record<string, unknown> {
    return { ...super.getConfigDict(), ...this.matryoshka.getConfigDict() };
  }
}
