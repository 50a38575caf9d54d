import type { Tensor } from '@tessera/tensor';
import { check, fmtShape, TesseraError } from '@tessera/tensor';
import { Module } from '@tessera/nn';
import type { Features } from '@tessera/nn';
import type { EmbeddingModel } from './model.js';
import type { GradCacheStage2 } from './gradcache.js';

/** Static description of a loss (drives docs and the "which loss for my data" table). */
export interface LossInfo {
  /** The text columns, e.g. ['anchor', 'positive', 'negative*']. */
  readonly inputs: string;
  /** What the label column holds ('none' when unused). */
  readonly labels: string;
  readonly citation?: string;
  readonly relations?: readonly string[];
}

/**
 * Intercepts the loss's model calls: wrapper losses (Matryoshka, AdaptiveLayer) use it to feed an
 * inner loss truncated or cached outputs. `call` is the default model call.
 */
export type ModelCall = (features: Features, call: (f: Features) => Features, index: number) => Features;

/**
 * Base of every loss: owns the model as a child named `model` (so `loss.parameters()` holds the
 * model's and the loss's own parameters), embeds columns, and validates inputs.
 */
export abstract class Loss extends Module {
  readonly model: EmbeddingModel;
  /** True for losses whose backward replays the model from a hook (GradCache): Matryoshka routes them differently. */
  readonly cachesGradients: boolean = false;
  private interceptor: ModelCall | null = null;
  /** Set by MatryoshkaLoss around a cached inner loss: replaces GradCache's step 2 (see gradcache.ts). */
  gradCacheStage2: GradCacheStage2 | null = null;
  private calls = 0;

  constructor(model: EmbeddingModel) {
    super();
    if (!(model instanceof Module) || typeof (model as { forward?: unknown }).forward !== 'function') {
      throw new TesseraError(new.target.name, 'model', 'must be a Module with forward(features) (e.g. a SentenceTransformer)');
    }
    this.model = this.child('model', model);
  }

  /** The loss for one batch: `features[k]` is text column k, `labels` the label column (if any). Scalar. */
  abstract forward(features: Features[], labels?: Tensor): Tensor;

  /** sentence-transformers' get_config_dict: the options that define this loss. */
  getConfigDict(): Record<string, unknown> {
    return {};
  }

  /** Runs the model on one column (through an interceptor when a wrapper loss installed one). */
  encode(features: Features): Features {
    const call = (f: Features): Features => this.model.forward(f);
    const index = this.calls++;
    return this.interceptor ? this.interceptor(features, call, index) : call(features);
  }

  /** `sentenceEmbedding` of every column, one model call each. */
  embed(features: Features[]): Tensor[] {
    return features.map((f) => {
      const e = this.encode(f).sentenceEmbedding;
      if (!e) throw new TesseraError(this.constructor.name, 'model', 'returned no sentenceEmbedding');
      return e;
    });
  }

  /** Runs `fn` with GradCache's step 2 wrapped (for cached losses; see MatryoshkaLoss). */
  withGradCacheStage2<T>(stage2: GradCacheStage2, fn: () => T): T {
    const previous = this.gradCacheStage2;
    this.gradCacheStage2 = stage2;
    try {
      return fn();
    } finally {
      this.gradCacheStage2 = previous;
    }
  }

  /** Runs `fn` with `interceptor` handling this loss's model calls (numbered from 0). */
  withModelCall<T>(interceptor: ModelCall, fn: () => T): T {
    const previous = this.interceptor;
    const previousCalls = this.calls;
    this.interceptor = interceptor;
    this.calls = 0;
    try {
      return fn();
    } finally {
      this.interceptor = previous;
      this.calls = previousCalls;
    }
  }

  // ---- validation shared by the losses -------------------------------------------------------

  protected checkColumns(features: Features[], allowed: (k: number) => boolean, expected: string): void {
    check(Array.isArray(features) && features.length > 0, this.constructor.name, 'features', () => `must be a non-empty list of column records, expected ${expected}`);
    check(allowed(features.length), this.constructor.name, 'features', () => `has ${features.length} column(s); expected ${expected}`);
  }

  protected checkEmbeddings(embeddings: Tensor[], allowed: (k: number) => boolean, expected: string): void {
    check(Array.isArray(embeddings) && allowed(embeddings.length), this.constructor.name, 'embeddings', () => `has ${Array.isArray(embeddings) ? embeddings.length : 0} column(s); expected ${expected}`);
    const first = embeddings[0]!;
    embeddings.forEach((e, i) => {
      check(e.ndim === 2, this.constructor.name, `embeddings[${i}]`, () => `must be [batch, dim], got ${fmtShape(e.shape)}`);
      check(e.shape[0] === first.shape[0], this.constructor.name, `embeddings[${i}]`, () => `has ${e.shape[0]} rows but column 0 has ${first.shape[0]}`);
      check(e.shape[1] === first.shape[1], this.constructor.name, `embeddings[${i}]`, () => `has width ${e.shape[1]} but column 0 has ${first.shape[1]}`);
    });
  }

  protected requireLabels(labels: Tensor | undefined, what: string): Tensor {
    if (!labels) throw new TesseraError(this.constructor.name, 'labels', `are missing; this loss needs ${what}`);
    return labels;
  }

  protected checkLabelRows(labels: Tensor, rows: number): void {
    check(labels.ndim >= 1 && labels.shape[0] === rows, this.constructor.name, 'labels', () => `have shape ${fmtShape(labels.shape)}; expected ${rows} rows (one per example)`);
  }
}
