/**
 * The model-level cases written in TensorFlow.js ops, the same computation as Tessera's BertModel /
 * BertLayer / Pooling / MultipleNegativesRankingLoss / AdamW (../model/minilm.ts):
 *
 *   Dense         matMul(x, W) + b, W stored [in, out] as tf.layers.dense stores it
 *   attention     split heads (reshape + transpose), softmax(q kᵀ / √d + additive mask) v, merge heads
 *   layerNorm     moments over the last axis, (x − mean) · rsqrt(var + eps) · γ + β
 *   gelu          exact: 0.5 x (1 + erf(x / √2))
 *   embeddings    gather(word) + gather(position) + gather(token type), layerNorm, dropout; each gather's
 *                 gradient is one tf.scatterND (duplicate ids summed) into a zero table (see embeddingLookup)
 *   pooling       masked mean
 *   MNRL          cross-entropy of 20 · cos_sim(anchor, positive) against the diagonal
 *   AdamW         torch's update (decoupled decay, bias corrections), on tf.Variables with assign
 *
 * Gradients come from `tf.variableGrads` (training step) and `tf.grads` (one layer, with an upstream
 * gradient). Random init (normal, std 0.02), not Tessera's values: timing, not numerics, is compared.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import { ENCODE_SHAPE, MINILM_L6, TRAIN_STEP_SHAPE, bertTokenizer, trainStepIds } from '../model/minilm.js';
import type { MiniLMSpec } from '../model/minilm.js';
import type { Tf } from './tfjs.js';

type T = TfCore.Tensor;

interface Dense {
  w: T;
  b: T;
}
interface Norm {
  g: T;
  b: T;
}
export interface TfBertLayerParams {
  query: Dense;
  key: Dense;
  value: Dense;
  attnOut: Dense;
  attnNorm: Norm;
  intermediate: Dense;
  output: Dense;
  outNorm: Norm;
}
export interface TfBertParams {
  word: T;
  position: T;
  tokenType: T;
  embNorm: Norm;
  layers: TfBertLayerParams[];
}

let models = 0;

/** Makes parameter tensors (or, with `variable`, trainable tf.Variables named uniquely per model). */
class Init {
  #seed: number;
  #n = 0;
  readonly #model = models++;
  constructor(readonly tf: Tf, seed: number, readonly variable: boolean, readonly std: number) {
    this.#seed = seed * 1000;
  }
  #wrap(t: T): T {
    if (!this.variable) return t;
    const v = this.tf.variable(t, true, `tessera_bench_${this.#model}_${this.#n++}`);
    t.dispose();
    return v;
  }
  normal(shape: number[]): T {
    return this.#wrap(this.tf.randomNormal(shape, 0, this.std, 'float32', this.#seed++));
  }
  zeros(shape: number[]): T {
    return this.#wrap(this.tf.zeros(shape));
  }
  ones(shape: number[]): T {
    return this.#wrap(this.tf.ones(shape));
  }
  dense(inF: number, outF: number): Dense {
    return { w: this.normal([inF, outF]), b: this.zeros([outF]) };
  }
  norm(h: number): Norm {
    return { g: this.ones([h]), b: this.zeros([h]) };
  }
}

function initLayer(init: Init, s: MiniLMSpec): TfBertLayerParams {
  const h = s.hidden;
  return {
    query: init.dense(h, h),
    key: init.dense(h, h),
    value: init.dense(h, h),
    attnOut: init.dense(h, h),
    attnNorm: init.norm(h),
    intermediate: init.dense(h, s.ffn),
    output: init.dense(s.ffn, h),
    outNorm: init.norm(h),
  };
}

/** A BERT layer's parameters (plain tensors, or variables). */
export function initTfBertLayer(tf: Tf, s: MiniLMSpec = MINILM_L6, opts: { seed?: number; variable?: boolean } = {}): TfBertLayerParams {
  return initLayer(new Init(tf, opts.seed ?? 0, opts.variable ?? false, s.initStd), s);
}

/** The whole BERT (embeddings + layers, no pooler). */
export function initTfBert(tf: Tf, s: MiniLMSpec = MINILM_L6, opts: { seed?: number; variable?: boolean } = {}): TfBertParams {
  const init = new Init(tf, opts.seed ?? 0, opts.variable ?? false, s.initStd);
  return {
    word: init.normal([s.vocabSize, s.hidden]),
    position: init.normal([s.maxPositions, s.hidden]),
    tokenType: init.normal([s.typeVocab, s.hidden]),
    embNorm: init.norm(s.hidden),
    layers: Array.from({ length: s.layers }, () => initLayer(init, s)),
  };
}

export function layerParamList(p: TfBertLayerParams): T[] {
  return [p.query, p.key, p.value, p.attnOut].flatMap((d) => [d.w, d.b]).concat([p.attnNorm.g, p.attnNorm.b, p.intermediate.w, p.intermediate.b, p.output.w, p.output.b, p.outNorm.g, p.outNorm.b]);
}

function layerFromList(list: readonly T[]): TfBertLayerParams {
  const d = (i: number): Dense => ({ w: list[i]!, b: list[i + 1]! });
  const n = (i: number): Norm => ({ g: list[i]!, b: list[i + 1]! });
  return { query: d(0), key: d(2), value: d(4), attnOut: d(6), attnNorm: n(8), intermediate: d(10), output: d(12), outNorm: n(14) };
}

export function bertParamList(p: TfBertParams): T[] {
  return [p.word, p.position, p.tokenType, p.embNorm.g, p.embNorm.b, ...p.layers.flatMap(layerParamList)];
}

/** What a forward needs besides the parameters. */
export interface TfForward {
  spec: MiniLMSpec;
  /** Dropout rate applied (0: none). */
  dropout: number;
}

const dense = (tf: Tf, x: T, d: Dense): T => tf.add(tf.matMul(x, d.w), d.b);

function layerNorm(tf: Tf, x: T, n: Norm, eps: number): T {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), n.g), n.b);
}

const gelu = (tf: Tf, x: T): T => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));

const drop = (tf: Tf, x: T, rate: number): T => (rate > 0 ? tf.dropout(x, rate) : x);

/**
 * `gather(table, ids)` (ids int32, any shape) whose gradient is the scatter-add Tessera's embedding
 * backward does: one `tf.scatterND` of the output gradient rows at `ids` (tfjs sums duplicate indices).
 * tfjs's own gather gradient goes through UnsortedSegmentSum, which tfjs-cpu 4.22 runs as one
 * mask-multiply-sum per table row, keeping every `[tokens, H]` product until the end: for the
 * 30,522-row word table and 1,024 tokens that is ~47 GB and never finishes here (a first run reached
 * 16 GB RSS after 20 minutes inside one training step and was stopped).
 */
export function embeddingLookup(tf: Tf, table: T, ids: T): T {
  const [rows, width] = table.shape as [number, number];
  // CustomGradientFunc's inputs are typed `(Tensor | GradSaveFunc)[]`: here (table, save).
  const lookup = tf.customGrad((...args: (T | TfCore.GradSaveFunc)[]) => {
    const [t, save] = args as [T, TfCore.GradSaveFunc];
    save([ids]);
    return {
      value: tf.gather(t, ids),
      gradFunc: (dy: T, saved: T[]) => tf.scatterND(tf.reshape(saved[0]!, [-1, 1]), tf.reshape(dy, [-1, width]), [rows, width]),
    };
  });
  return lookup(table) as T;
}

/** One BERT layer: `x [rows·seq, H]`, additive mask `[rows, 1, 1, seq]` -> `[rows·seq, H]`. */
export function tfBertLayer(tf: Tf, p: TfBertLayerParams, x: T, mask: T, rows: number, seq: number, f: TfForward): T {
  const { hidden, heads, layerNormEps } = f.spec;
  const d = hidden / heads;
  const split = (t: T) => tf.transpose(tf.reshape(t, [rows, seq, heads, d]), [0, 2, 1, 3]);
  const q = split(dense(tf, x, p.query));
  const k = split(dense(tf, x, p.key));
  const v = split(dense(tf, x, p.value));
  const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(d)), mask);
  const probs = drop(tf, tf.softmax(scores, -1), f.dropout);
  const context = tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [rows * seq, hidden]);
  const attended = layerNorm(tf, tf.add(drop(tf, dense(tf, context, p.attnOut), f.dropout), x), p.attnNorm, layerNormEps);
  const inner = gelu(tf, dense(tf, attended, p.intermediate));
  return layerNorm(tf, tf.add(drop(tf, dense(tf, inner, p.output), f.dropout), attended), p.outNorm, layerNormEps);
}

/** `[rows, seq]` float32 mask (1 keep) -> additive `[rows, 1, 1, seq]` (0 or float32's most negative). */
export function tfAdditiveMask(tf: Tf, maskF: T): T {
  const [rows, seq] = maskF.shape as [number, number];
  return tf.reshape(tf.mul(tf.sub(1, maskF), -3.4028234663852886e38), [rows, 1, 1, seq]);
}

/** BERT + mean pooling: ids and mask `[rows, seq]` int32 -> sentence embeddings `[rows, H]`. */
export function tfSentenceEmbedding(tf: Tf, p: TfBertParams, ids: T, mask: T, f: TfForward): T {
  const [rows, seq] = ids.shape as [number, number];
  const { hidden, layerNormEps } = f.spec;
  const words = embeddingLookup(tf, p.word, ids); // [rows, seq, H]
  const positions = tf.reshape(embeddingLookup(tf, p.position, tf.range(0, seq, 1, 'int32')), [1, seq, hidden]);
  const types = embeddingLookup(tf, p.tokenType, tf.zeros([rows, seq], 'int32'));
  const embedded = tf.reshape(tf.add(tf.add(words, types), positions), [rows * seq, hidden]);
  let h = drop(tf, layerNorm(tf, embedded, p.embNorm, layerNormEps), f.dropout);
  // One cast of the mask, used by both the attention mask and the pooling. (tfjs-webgpu 4.22 fails to
  // compile a transpose it makes when a [rows, seq, 1] reshape of a second cast of the int mask is
  // summed over axis 1; the row count below sums the innermost axis, which needs no transpose.)
  const maskF = tf.cast(mask, 'float32');
  const additive = tfAdditiveMask(tf, maskF);
  for (const layer of p.layers) h = tfBertLayer(tf, layer, h, additive, rows, seq, f);
  const summed = tf.sum(tf.mul(tf.reshape(h, [rows, seq, hidden]), tf.reshape(maskF, [rows, seq, 1])), 1);
  return tf.div(summed, tf.maximum(tf.sum(maskF, 1, true), 1e-9));
}

function l2normalize(tf: Tf, x: T): T {
  return tf.div(x, tf.maximum(tf.sqrt(tf.sum(tf.square(x), -1, true)), 1e-12));
}

/** MultipleNegativesRankingLoss with cos sim: mean_i [logsumexp_j(s·cos(a_i, p_j)) − s·cos(a_i, p_i)]. */
export function tfMnrl(tf: Tf, anchor: T, positive: T, scale: number): T {
  const scores = tf.mul(tf.matMul(l2normalize(tf, anchor), l2normalize(tf, positive), false, true), scale);
  const n = anchor.shape[0]!;
  const diagonal = tf.sum(tf.mul(scores, tf.eye(n)), 1);
  return tf.mean(tf.sub(tf.logSumExp(scores, 1), diagonal));
}

/** torch.optim.AdamW's update on tf.Variables (lr, betas 0.9/0.999, eps 1e-8, decoupled weight decay). */
export class TfAdamW {
  readonly m: TfCore.Variable[];
  readonly v: TfCore.Variable[];
  t = 0;
  constructor(readonly tf: Tf, readonly params: readonly TfCore.Variable[], readonly lr: number, readonly weightDecay: number, readonly betas: readonly [number, number] = [0.9, 0.999], readonly eps = 1e-8) {
    this.m = params.map((p) => tf.variable(tf.zerosLike(p), false));
    this.v = params.map((p) => tf.variable(tf.zerosLike(p), false));
  }

  /** One update with `grads[i]` the gradient of `params[i]`. */
  step(grads: readonly T[]): void {
    const { tf, lr, eps } = this;
    const [b1, b2] = this.betas;
    this.t += 1;
    const stepSize = lr / (1 - b1 ** this.t);
    const bc2Sqrt = Math.sqrt(1 - b2 ** this.t);
    this.params.forEach((p, i) => {
      const g = grads[i]!;
      const m = this.m[i]!;
      const v = this.v[i]!;
      tf.tidy(() => {
        p.assign(tf.mul(p, 1 - lr * this.weightDecay));
        m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
        v.assign(tf.add(tf.mul(v, b2), tf.mul(tf.mul(g, 1 - b2), g)));
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), eps);
        p.assign(tf.add(p, tf.div(tf.mul(m, -stepSize), denom)));
      });
    });
  }

  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}

/** The training step in tfjs: forward both columns, MNRL, `tf.variableGrads`, AdamW. */
export class TfjsTrainStep {
  readonly params: TfBertParams;
  readonly vars: TfCore.Variable[];
  readonly optimizer: TfAdamW;
  readonly inputs: T[];
  readonly #ids: { anchor: T; positive: T; mask: T };
  readonly #f: TfForward;

  constructor(readonly tf: Tf, opts: { spec?: MiniLMSpec; pairs?: number; seq?: number; seed?: number } = {}) {
    const spec = opts.spec ?? MINILM_L6;
    const pairs = opts.pairs ?? TRAIN_STEP_SHAPE.pairs;
    const seq = opts.seq ?? TRAIN_STEP_SHAPE.seq;
    this.#f = { spec, dropout: spec.dropout };
    this.params = initTfBert(tf, spec, { seed: opts.seed ?? 0, variable: true });
    this.vars = bertParamList(this.params) as TfCore.Variable[];
    this.optimizer = new TfAdamW(tf, this.vars, TRAIN_STEP_SHAPE.lr, TRAIN_STEP_SHAPE.weightDecay);
    const { anchor, positive } = trainStepIds(pairs, seq, opts.seed ?? 0, spec.vocabSize);
    this.#ids = { anchor: tf.tensor2d(anchor, [pairs, seq], 'int32'), positive: tf.tensor2d(positive, [pairs, seq], 'int32'), mask: tf.ones([pairs, seq], 'int32') };
    this.inputs = [this.#ids.anchor, this.#ids.positive, this.#ids.mask];
  }

  /** The loss of one batch (a scalar), recorded for gradients when called under variableGrads. */
  loss(): TfCore.Scalar {
    const { tf } = this;
    const a = tfSentenceEmbedding(tf, this.params, this.#ids.anchor, this.#ids.mask, this.#f);
    const p = tfSentenceEmbedding(tf, this.params, this.#ids.positive, this.#ids.mask, this.#f);
    return tfMnrl(tf, a, p, TRAIN_STEP_SHAPE.scale) as TfCore.Scalar;
  }

  /** One step; call inside tf.tidy (the gradients and the loss are disposed with it). */
  step(): void {
    const { grads } = this.tf.variableGrads(() => this.loss(), this.vars);
    this.optimizer.step(this.vars.map((v) => grads[v.name]!));
  }

  dispose(): void {
    for (const t of [...this.vars, ...this.inputs]) t.dispose();
    this.optimizer.dispose();
  }
}

/** One BERT layer in tfjs (dropout off): `run()` is forward + backward from `dy` to x and every parameter. */
export function tfjsBertLayer(tf: Tf, opts: { spec?: MiniLMSpec; batch: number; seq: number; seed?: number }) {
  const spec = opts.spec ?? MINILM_L6;
  const { batch, seq } = opts;
  const seed = opts.seed ?? 0;
  const params = layerParamList(initTfBertLayer(tf, spec, { seed }));
  const x = tf.randomNormal([batch * seq, spec.hidden], 0, 1, 'float32', seed + 101);
  const dy = tf.randomNormal([batch * seq, spec.hidden], 0, 1, 'float32', seed + 102);
  const mask = tf.tidy(() => tfAdditiveMask(tf, tf.ones([batch, seq])));
  const f: TfForward = { spec, dropout: 0 };
  const grads = tf.grads((xx: T, ...ps: T[]) => tfBertLayer(tf, layerFromList(ps), xx, mask, batch, seq, f));
  return { inputs: [x, dy, mask, ...params], run: () => grads([x, ...params], dy) };
}

/** The encode case in tfjs: tokenize (the same tokenizer as Tessera), forward in batches, mean pool, read back. */
export function tfjsEncoder(tf: Tf, opts: { spec?: MiniLMSpec; seq?: number; batch?: number; seed?: number } = {}) {
  const spec = opts.spec ?? MINILM_L6;
  const seq = opts.seq ?? ENCODE_SHAPE.seq;
  const batchSize = opts.batch ?? ENCODE_SHAPE.batch;
  const params = initTfBert(tf, spec, { seed: opts.seed ?? 0 });
  const f: TfForward = { spec, dropout: 0 };
  return {
    inputs: bertParamList(params),
    /** Sentence embeddings `[n, H]` (read back to a Float32Array, as Tessera's encode returns them on the CPU). */
    async encode(texts: readonly string[]): Promise<Float32Array> {
      const out = new Float32Array(texts.length * spec.hidden);
      for (let start = 0; start < texts.length; start += batchSize) {
        const chunk = texts.slice(start, start + batchSize);
        const tok = bertTokenizer().batch(chunk, { maxLength: seq, padding: 'longest', truncation: true, device: 'cpu' });
        const [rows, width] = tok.inputIds.shape as [number, number];
        const ids = tok.inputIds.dataSync() as Int32Array;
        const maskData = tok.attentionMask.dataSync() as Int32Array;
        for (const t of [tok.inputIds, tok.attentionMask, tok.tokenTypeIds]) t.dispose();
        const emb = tf.tidy(() => tfSentenceEmbedding(tf, params, tf.tensor2d(ids, [rows, width], 'int32'), tf.tensor2d(maskData, [rows, width], 'int32'), f));
        out.set((await emb.data()) as Float32Array, start * spec.hidden);
        emb.dispose();
      }
      return out;
    },
  };
}
