import type { DeviceName, Tensor } from '@tessera/tensor';
import { arange, cat, check, crossEntropy, fmtShape, matmul, maskedFill, normalize, TesseraError, tidy } from '@tessera/tensor';
import { noGrad } from '@tessera/autograd';
import { Module, SentenceTransformer, Tokenizer, Transformer } from '@tessera/nn';
import type { Features, TextTokenizer } from '@tessera/nn';
import { Loss } from '../loss.js';
import type { LossInfo } from '../loss.js';
import type { EmbeddingModel } from '../model.js';

export type MarginStrategy = 'absolute' | 'relative';

/** The hyper-parameters shared by GISTEmbedLoss and CachedGISTEmbedLoss. */
export interface GistSettings {
  temperature: number;
  marginStrategy: MarginStrategy;
  margin: number;
  contrastAnchors: boolean;
  contrastPositives: boolean;
}

export interface GISTEmbedLossOptions {
  /** The frozen guide model (required); run in eval mode without gradients, never trained. */
  guide: EmbeddingModel;
  temperature?: number;
  marginStrategy?: MarginStrategy;
  margin?: number;
  contrastAnchors?: boolean;
  contrastPositives?: boolean;
  /** Multi-device gathering: not supported (Tessera is single-device); `true` is an error. */
  gatherAcrossDevices?: boolean;
}

export const GIST_CITATION = `@misc{solatorio2024gistembed,
    title={GISTEmbed: Guided In-sample Selection of Training Negatives for Text Embedding Fine-tuning},
    author={Aivin V. Solatorio},
    year={2024},
    eprint={2402.16829},
    archivePrefix={arXiv},
    primaryClass={cs.LG}
}`;

// ---- shared by GISTEmbedLoss and CachedGISTEmbedLoss -------------------------------------------

/** Validates the options GIST and CachedGIST share; returns them with defaults filled in. */
export function gistSettings(loss: string, o: Partial<GistSettings> & { gatherAcrossDevices?: boolean }): GistSettings {
  const temperature = o.temperature ?? 0.01;
  check(typeof temperature === 'number' && Number.isFinite(temperature) && temperature > 0, loss, 'temperature', () => `must be a positive finite number, got ${String(temperature)}`);
  const marginStrategy = o.marginStrategy ?? 'absolute';
  check(marginStrategy === 'absolute' || marginStrategy === 'relative', loss, 'marginStrategy', () => `must be 'absolute' or 'relative', got ${JSON.stringify(marginStrategy)}`);
  const margin = o.margin ?? 0.0;
  check(typeof margin === 'number' && Number.isFinite(margin), loss, 'margin', () => `must be a finite number, got ${String(margin)}`);
  const contrastAnchors = o.contrastAnchors ?? true;
  const contrastPositives = o.contrastPositives ?? true;
  check(typeof contrastAnchors === 'boolean', loss, 'contrastAnchors', () => `must be a boolean, got ${String(contrastAnchors)}`);
  check(typeof contrastPositives === 'boolean', loss, 'contrastPositives', () => `must be a boolean, got ${String(contrastPositives)}`);
  if (o.gatherAcrossDevices) throw new TesseraError(loss, 'gatherAcrossDevices', 'is not supported on a single device (Tessera trains on one device)');
  return { temperature, marginStrategy, margin, contrastAnchors, contrastPositives };
}

/** Checks the guide option: a module with forward(features) → sentenceEmbedding, not the model itself. */
export function checkGuide(loss: string, model: EmbeddingModel, guide: unknown): EmbeddingModel {
  if (!(guide instanceof Module) || typeof (guide as { forward?: unknown }).forward !== 'function') {
    throw new TesseraError(loss, 'guide', 'is required: a frozen SentenceTransformer (a Module with forward(features)) that guides the negative selection');
  }
  if (guide === model) throw new TesseraError(loss, 'guide', 'must be a separate model, not the model being trained');
  return guide as EmbeddingModel;
}

/** The Transformer (tokenizer + max length) at the head of a SentenceTransformer, or null. */
function textModule(m: Module): Transformer | null {
  return m instanceof SentenceTransformer && m.steps[0] instanceof Transformer ? m.steps[0] : null;
}

function sameVocabulary(a: TextTokenizer, b: TextTokenizer): boolean {
  if (a === b) return true;
  if (!(a instanceof Tokenizer) || !(b instanceof Tokenizer) || a.vocabSize !== b.vocabSize) return false;
  for (let id = 0; id < a.vocabSize; id++) if (a.idToToken(id) !== b.idToToken(id)) return false;
  return true;
}

/**
 * sentence-transformers' rule: the guide re-tokenizes the texts when the vocabularies differ or
 * `guide.maxSeqLength < model.maxSeqLength`. Models without a tokenizer (e.g. a test's embedding
 * table) cannot decode ids, so the guide then consumes the model's records (sentence-transformers
 * raises instead).
 */
export function guideMustRetokenize(model: Module, guide: Module): boolean {
  const m = textModule(model);
  const g = textModule(guide);
  if (!m || !g) return false;
  return !sameVocabulary(m.tokenizer, g.tokenizer) || g.maxSeqLength < m.maxSeqLength;
}

/** Decodes each row's ids with the model tokenizer (special tokens skipped) and tokenizes the texts for the guide. */
function retokenize(loss: string, model: Module, guide: Module, f: Features): Features {
  const m = textModule(model);
  const g = textModule(guide);
  if (!m || !g) throw new TesseraError(loss, 'guide', 're-tokenization needs a SentenceTransformer with a tokenizer as both model and guide');
  const ids = f.inputIds;
  if (ids.device !== 'cpu') {
    throw new TesseraError(loss, 'features', `hold inputIds on ${ids.device}, but re-tokenizing for the guide reads them on the host: pass CPU features, or use a guide with the model's tokenizer and maxSeqLength >= the model's`);
  }
  const [rows, width] = ids.shape as [number, number];
  const data = ids.dataSync();
  const texts: string[] = [];
  for (let r = 0; r < rows; r++) texts.push(m.tokenizer.decode(Array.from(data.subarray(r * width, (r + 1) * width)), { skipSpecialTokens: true }));
  return g.tokenize(texts, ids.device as DeviceName);
}

/**
 * The guide's sentence embeddings of one column: in eval mode (restored afterwards), without
 * gradients, on a shallow copy of the record or on re-tokenized texts.
 */
export function guideEmbed(loss: string, model: Module, guide: EmbeddingModel, f: Features, mustRetokenize: boolean): Tensor {
  const modes = guide.modules().map((m) => [m, m.training] as const);
  guide.eval();
  try {
    return noGrad(() =>
      tidy(() => {
        const input = mustRetokenize ? retokenize(loss, model, guide, f) : { ...f };
        const e = guide.forward(input).sentenceEmbedding;
        if (!e) throw new TesseraError(loss, 'guide', 'returned no sentenceEmbedding');
        return e;
      }),
    );
  } finally {
    for (const [m, t] of modes) m.training = t;
  }
}

/** torch's cosine_similarity broadcast `[n,1,D] × [1,m,D]` (each row over max(‖x‖, 1e-8)) as one matmul. `-> [n, m]` */
function cosine8(x: Tensor, y: Tensor): Tensor {
  return matmul(normalize(x, { dim: -1, eps: 1e-8 }), normalize(y, { dim: -1, eps: 1e-8 }).T);
}

/**
 * Rows [b, e) of GIST's logit matrix `Z` (losses.md §4–5) against every candidate:
 * `[AP′ | AA′ | PP′ | AN′_1 … AN′_n] / temperature`, each block `[e−b, B]`, where a model similarity
 * is set to −∞ when the guide's similarity of the same pair exceeds the row's bound
 * (`θ_i − margin` absolute, `θ_i − |θ_i|·margin` relative; `θ_i` = guide cosine of anchor i and
 * positive i; strict `>`), except at the target column i of `AP′`. `AA′` appears with
 * contrastAnchors, `PP′` (rows: positives b…e−1) with contrastPositives, one `AN′` per negative
 * column. `model = [a, p, n_1, …]`, `guide` the guide's embeddings of the same columns; the guide
 * side is never differentiated.
 */
export function gistLogitRows(model: readonly Tensor[], guide: readonly Tensor[], b: number, e: number, s: GistSettings): Tensor {
  const [a, p, ...negs] = model as [Tensor, Tensor, ...Tensor[]];
  const [ga, gp, ...gnegs] = guide as [Tensor, Tensor, ...Tensor[]];
  const rows = a.shape[0]!;
  const n = e - b;
  const part = (x: Tensor): Tensor => (b === 0 && e === rows ? x : x.narrow(0, b, n));
  const masks = noGrad(() =>
    tidy(() => {
      const gAP = cosine8(part(ga), gp);
      const targets = arange(b, e, 1, { device: gAP.device }).reshape([n, 1]);
      const theta = gAP.gather(1, targets); // [n, 1]
      const bound = s.marginStrategy === 'absolute' ? theta.sub(s.margin) : theta.sub(theta.abs().mul(s.margin));
      const own = arange(0, rows, 1, { device: gAP.device }).reshape([1, rows]).eq(targets);
      const out = [gAP.gt(bound).logicalAnd(own.logicalNot())];
      if (s.contrastAnchors) out.push(cosine8(part(ga), ga).gt(bound));
      if (s.contrastPositives) out.push(cosine8(part(gp), gp).gt(bound));
      for (const gn of gnegs) out.push(cosine8(part(ga), gn).gt(bound));
      return out;
    }),
  );
  const blocks = [cosine8(part(a), p)];
  if (s.contrastAnchors) blocks.push(cosine8(part(a), a));
  if (s.contrastPositives) blocks.push(cosine8(part(p), p));
  for (const neg of negs) blocks.push(cosine8(part(a), neg));
  const z = cat(
    blocks.map((m, i) => maskedFill(m, masks[i]!, -Infinity)),
    1,
  ).div(s.temperature);
  for (const m of masks) m.dispose();
  return z;
}

/** Anchor rows [b, e)'s part of the GIST loss: `CE(Z[b:e], t[b:e]) · (e − b)/B` (the whole loss for [0, B)). */
export function gistChunkLoss(model: readonly Tensor[], guide: readonly Tensor[], b: number, e: number, s: GistSettings): Tensor {
  const rows = model[0]!.shape[0]!;
  const z = gistLogitRows(model, guide, b, e, s);
  const ce = crossEntropy(z, arange(b, e, 1, { device: z.device }));
  return e - b === rows ? ce : ce.mul((e - b) / rows);
}

/** Validates model and guide embeddings for GIST: `count(k)` columns, one row count, one width per side. */
export function checkGistEmbeddings(loss: string, model: Tensor[], guide: Tensor[], count: (k: number) => boolean, expected: string): void {
  for (const [arg, list] of [['embeddings', model], ['guideEmbeddings', guide]] as const) {
    check(Array.isArray(list) && count(list.length), loss, arg, () => `has ${Array.isArray(list) ? list.length : 0} column(s); expected ${expected}`);
    list.forEach((t, i) => {
      check(t.ndim === 2, loss, `${arg}[${i}]`, () => `must be [batch, dim], got ${fmtShape(t.shape)}`);
      check(t.shape[0] === model[0]!.shape[0], loss, `${arg}[${i}]`, () => `has ${t.shape[0]} rows but embeddings[0] has ${model[0]!.shape[0]}`);
      check(t.shape[1] === list[0]!.shape[1], loss, `${arg}[${i}]`, () => `has width ${t.shape[1]} but ${arg}[0] has ${list[0]!.shape[1]}`);
    });
  }
  check(model[0]!.shape[0]! > 0, loss, 'embeddings', () => 'must hold at least one row');
  check(guide.length === model.length, loss, 'guideEmbeddings', () => `has ${guide.length} column(s) but embeddings has ${model.length}`);
}

// ---- the loss ----------------------------------------------------------------------------------

/**
 * GISTEmbedLoss (Solatorio 2024; sentence-transformers v6, losses.md §4): in-batch contrastive
 * learning where a frozen **guide** model removes likely false negatives.
 *
 * With model embeddings `a, p, [n]`, guide embeddings `ga, gp, [gn]` and `sim` the cosine similarity
 * (eps 1e-8), `θ_i = sim(ga_i, gp_i)`; a candidate of row i is suppressed (its logit set to −∞) when
 * the guide scores it above `θ_i − margin` ('absolute') or `θ_i − |θ_i|·margin` ('relative'), strict
 * `>`, except the positive itself:
 *
 *   Z = [ AP′ | AA′ | PP′ | AN′ ] / temperature,   loss = CE(Z, t),  t_i = i
 *
 * where `AP = sim(a, p)`, `AA = sim(a, a)` (contrastAnchors), `PP = sim(p, p)` (contrastPositives),
 * `AN = sim(a, n)` (with a negative column), each masked by the guide's matching matrix.
 *
 * Inputs: (anchor, positive) or (anchor, positive, negative); no labels. The guide runs in eval mode
 * under noGrad and is deliberately **not** a child module, so its parameters never reach the
 * optimizer (`loss.to(device)` moves it along). It re-tokenizes the texts (decode with the model
 * tokenizer, tokenize with its own) when the vocabularies differ or its maxSeqLength is smaller
 * than the model's; otherwise it reads shallow copies of the model's records.
 */
export class GISTEmbedLoss extends Loss {
  static readonly info: LossInfo = {
    inputs: '(anchor, positive) pairs or (anchor, positive, negative) triplets',
    labels: 'none',
    citation: GIST_CITATION,
    relations: ['MultipleNegativesRankingLoss', 'CachedGISTEmbedLoss'],
  };

  /** The frozen guide (not a registered child: never in `parameters()`). */
  readonly guide: EmbeddingModel;
  /** Whether the guide re-tokenizes the texts (fixed at construction, as sentence-transformers). */
  readonly mustRetokenize: boolean;
  temperature: number;
  marginStrategy: MarginStrategy;
  margin: number;
  contrastAnchors: boolean;
  contrastPositives: boolean;
  readonly gatherAcrossDevices = false;

  constructor(model: EmbeddingModel, options: GISTEmbedLossOptions) {
    super(model);
    const o = (options ?? {}) as Partial<GISTEmbedLossOptions>;
    this.guide = checkGuide('GISTEmbedLoss', model, o.guide);
    const s = gistSettings('GISTEmbedLoss', o);
    this.temperature = s.temperature;
    this.marginStrategy = s.marginStrategy;
    this.margin = s.margin;
    this.contrastAnchors = s.contrastAnchors;
    this.contrastPositives = s.contrastPositives;
    this.mustRetokenize = guideMustRetokenize(model, this.guide);
  }

  private get settings(): GistSettings {
    return gistSettings('GISTEmbedLoss', this);
  }

  forward(features: Features[], _labels?: Tensor): Tensor {
    this.checkColumns(features, (k) => k === 2 || k === 3, '2 or 3 embeddings: (anchor, positive) or (anchor, positive, negative)');
    const model = this.embed(features);
    const guide = features.map((f) => guideEmbed('GISTEmbedLoss', this.model, this.guide, f, this.mustRetokenize));
    try {
      return this.computeLossFromEmbeddings(model, guide);
    } finally {
      for (const g of guide) g.dispose();
    }
  }

  /** The loss from the model's embeddings `[a, p, (n)]` and the guide's embeddings of the same columns. */
  computeLossFromEmbeddings(embeddings: Tensor[], guideEmbeddings: Tensor[]): Tensor {
    checkGistEmbeddings('GISTEmbedLoss', embeddings, guideEmbeddings, (k) => k === 2 || k === 3, '2 or 3 embeddings: (anchor, positive) or (anchor, positive, negative)');
    return gistChunkLoss(embeddings, guideEmbeddings, 0, embeddings[0]!.shape[0]!, this.settings);
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
      marginStrategy: this.marginStrategy,
      margin: this.margin,
      contrastAnchors: this.contrastAnchors,
      contrastPositives: this.contrastPositives,
      gatherAcrossDevices: this.gatherAcrossDevices,
    };
  }
}
