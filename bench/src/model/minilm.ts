/**
 * The model-level cases' shared definition: MiniLM-L6 sizes (sentence-transformers/all-MiniLM-L6-v2's
 * BERT, 22.6 M parameters without the unused pooler), the shapes of each case, deterministic synthetic
 * inputs both libraries get bit-for-bit, FLOP counts, and Tessera's side (model, training step, layer).
 * The tfjs side of the same computation is `../peers/tfjs-bert.ts`.
 */
import { Generator, keep, manualSeed, ones, randn, tensor, tidy } from '@tessera/tensor';
import type { DeviceName, Tensor } from '@tessera/tensor';
import { AdamW, BertLayer, BertModel, Pooling, SentenceTransformer, Tokenizer, Transformer, additivePaddingMask, bertBaseUncasedVocab, bertConfig, bertTokenizerJson } from '@tessera/nn';
import type { BertConfig, Features } from '@tessera/nn';
import { MultipleNegativesRankingLoss } from '@tessera/losses';

/** BERT sizes of a model-level case. */
export interface MiniLMSpec {
  readonly vocabSize: number;
  readonly hidden: number;
  readonly layers: number;
  readonly heads: number;
  readonly ffn: number;
  readonly maxPositions: number;
  readonly typeVocab: number;
  readonly layerNormEps: number;
  /** hidden_dropout_prob and attention_probs_dropout_prob (active in the training step, as in training). */
  readonly dropout: number;
  /** initializer_range: std of the normal init. */
  readonly initStd: number;
}

/** MiniLM-L6 (all-MiniLM-L6-v2): BERT with 6 layers of width 384, 12 heads, FFN 1536, bert-base-uncased vocab. */
export const MINILM_L6: MiniLMSpec = {
  vocabSize: 30522,
  hidden: 384,
  layers: 6,
  heads: 12,
  ffn: 1536,
  maxPositions: 512,
  typeVocab: 2,
  layerNormEps: 1e-12,
  dropout: 0.1,
  initStd: 0.02,
};

/** Parameters of the BERT (no pooler: a SentenceTransformer never reads it): 22,565,376 for MiniLM-L6. */
export function bertParamCount(s: Pick<MiniLMSpec, 'vocabSize' | 'hidden' | 'layers' | 'ffn' | 'maxPositions' | 'typeVocab'>): number {
  const h = s.hidden;
  const embeddings = (s.vocabSize + s.maxPositions + s.typeVocab) * h + 2 * h;
  const layer = 4 * (h * h + h) + (h * s.ffn + s.ffn) + (s.ffn * h + h) + 2 * 2 * h;
  return embeddings + s.layers * layer;
}

/** One BERT layer, forward + backward: 64 rows of 32 tokens (2048 tokens), dropout off. */
export const BERT_LAYER_SHAPE: { readonly batch: number; readonly seq: number } = { batch: 64, seq: 32 };
/** The training step: 32 (anchor, positive) pairs of 32 tokens, MNRL (scale 20, cos sim) + AdamW (lr 2e-5). */
export const TRAIN_STEP_SHAPE: { readonly pairs: number; readonly seq: number; readonly scale: number; readonly lr: number; readonly weightDecay: number } = {
  pairs: 32,
  seq: 32,
  scale: 20,
  lr: 2e-5,
  weightDecay: 0.01,
};
/** Encode throughput: 32 sentences (one batch of 32) truncated to 128 tokens. */
export const ENCODE_SHAPE: { readonly sentences: number; readonly batch: number; readonly seq: number } = { sentences: 32, batch: 32, seq: 128 };

/** The case names (filters match them: `pnpm bench -- "bert layer"`, `-- "train step"`, `-- encode`). */
export function bertLayerCaseName(b = BERT_LAYER_SHAPE.batch, t = BERT_LAYER_SHAPE.seq, s: Pick<MiniLMSpec, 'hidden' | 'heads' | 'ffn'> = MINILM_L6): string {
  return `fwd+bwd H${s.hidden} h${s.heads} FFN${s.ffn} [${b}, ${t}]`;
}
export function trainStepCaseName(pairs = TRAIN_STEP_SHAPE.pairs, seq = TRAIN_STEP_SHAPE.seq, s: Pick<MiniLMSpec, 'layers'> = MINILM_L6): string {
  return `MiniLM-L${s.layers} MNRL+AdamW ${pairs} pairs x ${seq} tok`;
}
export function encodeCaseName(batch = ENCODE_SHAPE.batch, seq = ENCODE_SHAPE.seq, s: Pick<MiniLMSpec, 'layers'> = MINILM_L6): string {
  return `MiniLM-L${s.layers} encode batch ${batch} x ${seq} tok`;
}

/**
 * Matmul FLOPs of a BERT encoder forward over `rows` sequences of `seq` tokens (the dense layers and
 * both attention matmuls; elementwise, softmax, layerNorm and the embedding gather not counted).
 * Backward costs twice the forward (a gradient for each matmul operand), so fwd+bwd is 3x.
 */
export function bertForwardFlops(rows: number, seq: number, s: Pick<MiniLMSpec, 'hidden' | 'ffn' | 'layers'>, layers = s.layers): number {
  const tokens = rows * seq;
  const dense = 2 * tokens * (4 * s.hidden * s.hidden + 2 * s.hidden * s.ffn);
  const attention = 2 * 2 * rows * seq * seq * s.hidden;
  return layers * (dense + attention);
}

// ---- deterministic inputs (same values for Tessera and tfjs) ------------------------------------

/** mulberry32: a tiny seeded PRNG for the token ids both libraries are given. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CLS = 101;
const SEP = 102;
/** First id of bert-base-uncased's ordinary word pieces (after [unusedN] and punctuation). */
const FIRST_WORD = 1996;

/** `[rows, seq]` token ids: [CLS] random word pieces [SEP], every row full length (no padding). */
export function syntheticIds(rows: number, seq: number, seed: number, vocabSize: number = MINILM_L6.vocabSize): Int32Array {
  const r = prng(seed);
  const ids = new Int32Array(rows * seq);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < seq; j++) ids[i * seq + j] = j === 0 ? CLS : j === seq - 1 ? SEP : FIRST_WORD + Math.floor(r() * (vocabSize - FIRST_WORD));
  }
  return ids;
}

/** Anchor and positive id columns of the training step (`[pairs, seq]` each). */
export function trainStepIds(pairs: number, seq: number, seed = 0, vocabSize: number = MINILM_L6.vocabSize): { anchor: Int32Array; positive: Int32Array } {
  return { anchor: syntheticIds(pairs, seq, seed * 2 + 1, vocabSize), positive: syntheticIds(pairs, seq, seed * 2 + 2, vocabSize) };
}

let tokenizer: Tokenizer | null = null;
/** The bert-base-uncased tokenizer (what the encode cases of both libraries tokenize with). */
export function bertTokenizer(): Tokenizer {
  tokenizer ??= Tokenizer.fromJSON(bertTokenizerJson(bertBaseUncasedVocab(), { lowercase: true }));
  return tokenizer;
}

const WORDS = (
  'the model reads every sentence and maps it to a vector so that sentences with similar meaning land close together ' +
  'while unrelated ones end up far apart training pulls an anchor toward its positive and pushes it away from the other ' +
  'positives in the batch which act as negatives benchmarks measure how long one step takes on each device and library'
).split(' ');

/** `n` English-like sentences of `words` words each (long enough to be truncated at `seq` 128). */
export function syntheticSentences(n: number, words = 160, seed = 0): string[] {
  const r = prng(seed + 1000);
  return Array.from({ length: n }, () => Array.from({ length: words }, () => WORDS[Math.floor(r() * WORDS.length)]!).join(' '));
}

// ---- Tessera's side -------------------------------------------------------------------------------

/** The Hugging Face config of a spec (no pooler is built: see `tesseraMiniLM`). */
export function miniLMConfig(s: MiniLMSpec = MINILM_L6, dropout: number = s.dropout): Partial<BertConfig> {
  return {
    vocab_size: s.vocabSize,
    hidden_size: s.hidden,
    num_hidden_layers: s.layers,
    num_attention_heads: s.heads,
    intermediate_size: s.ffn,
    max_position_embeddings: s.maxPositions,
    type_vocab_size: s.typeVocab,
    layer_norm_eps: s.layerNormEps,
    hidden_dropout_prob: dropout,
    attention_probs_dropout_prob: dropout,
    initializer_range: s.initStd,
  };
}

/**
 * A randomly initialised MiniLM-L6 SentenceTransformer (BERT without pooler + mean pooling) on `device`.
 * Built inside `tidy`: the init's temporaries (randn, then scale) are disposed now rather than left to the
 * garbage collector, so live bytes are the parameters' from the start (parameters are kept).
 */
export function tesseraMiniLM(device: DeviceName, opts: { spec?: MiniLMSpec; seed?: number; maxSeqLength?: number } = {}): SentenceTransformer {
  const spec = opts.spec ?? MINILM_L6;
  return tidy(() => {
    const bert = new BertModel(miniLMConfig(spec), { device, generator: new Generator(opts.seed ?? 0), addPoolingLayer: false });
    const transformer = new Transformer(bert, bertTokenizer(), { maxSeqLength: opts.maxSeqLength ?? 128 });
    return new SentenceTransformer([transformer, new Pooling(spec.hidden, 'mean')]);
  });
}

function idFeatures(ids: Int32Array, rows: number, seq: number, device: DeviceName): Features {
  const inputIds = tensor(ids, { dtype: 'int32', shape: [rows, seq], device });
  return { inputIds, attentionMask: ones([rows, seq], { dtype: 'int32', device }) };
}

/**
 * One training step of Tessera, as the Trainer runs it: forward both columns through the model, MNRL
 * (scale 20, cos sim), backward, AdamW step, zero the gradients. Inputs are made once on `device`.
 */
export class TesseraTrainStep {
  readonly model: SentenceTransformer;
  readonly loss: MultipleNegativesRankingLoss;
  readonly optimizer: AdamW;
  readonly features: Features[];
  readonly inputs: Tensor[];

  constructor(readonly device: DeviceName, opts: { spec?: MiniLMSpec; pairs?: number; seq?: number; seed?: number } = {}) {
    const spec = opts.spec ?? MINILM_L6;
    const pairs = opts.pairs ?? TRAIN_STEP_SHAPE.pairs;
    const seq = opts.seq ?? TRAIN_STEP_SHAPE.seq;
    manualSeed(opts.seed ?? 0); // dropout masks
    this.model = tesseraMiniLM(device, { spec, seed: opts.seed });
    this.model.train();
    this.loss = new MultipleNegativesRankingLoss(this.model, { scale: TRAIN_STEP_SHAPE.scale });
    this.optimizer = new AdamW(this.model.parameters(), { lr: TRAIN_STEP_SHAPE.lr, weightDecay: TRAIN_STEP_SHAPE.weightDecay });
    const { anchor, positive } = trainStepIds(pairs, seq, opts.seed ?? 0, spec.vocabSize);
    this.features = [idFeatures(anchor, pairs, seq, device), idFeatures(positive, pairs, seq, device)];
    this.inputs = this.features.flatMap((f) => [f.inputIds, f.attentionMask!]);
  }

  /** One step (queued on WebGPU: wait with syncWebGPU). Returns nothing; every temporary is disposed. */
  step(): void {
    tidy(() => {
      this.loss.forward(this.features).backward();
    });
    this.optimizer.step();
    this.optimizer.zeroGrad();
  }

  /** The parameters, optimizer state and inputs. */
  dispose(): void {
    for (const t of this.inputs) t.dispose();
    for (const s of this.optimizer.state.values()) for (const v of Object.values(s)) if (typeof v !== 'number') v.dispose();
    for (const p of this.model.parameters()) p.dispose();
  }
}

/** One BERT layer of `spec`'s sizes (dropout off) with an input `[batch, seq, H]` that requires grad, its additive mask and an upstream gradient. */
export function tesseraBertLayer(device: DeviceName, opts: { spec?: MiniLMSpec; batch?: number; seq?: number; seed?: number } = {}) {
  const spec = opts.spec ?? MINILM_L6;
  const batch = opts.batch ?? BERT_LAYER_SHAPE.batch;
  const seq = opts.seq ?? BERT_LAYER_SHAPE.seq;
  const generator = new Generator(opts.seed ?? 0);
  const layer = tidy(() => new BertLayer(bertConfig(miniLMConfig(spec, 0)), { device, generator }));
  layer.eval();
  const x = keep(randn([batch, seq, spec.hidden], { device, generator }).requiresGrad_(true));
  const dy = keep(randn([batch, seq, spec.hidden], { device, generator }));
  const mask = keep(tidy(() => additivePaddingMask(ones([batch, seq], { dtype: 'int32', device }), 'float32')));
  return {
    layer,
    inputs: [x, dy, mask, ...layer.parameters()],
    /** forward, then backward from `dy` into x.grad and every parameter's grad (dropped again after). */
    run(): void {
      layer.forward(x, mask).backward(dy);
      for (const p of [x, ...layer.parameters()]) {
        p.grad?.dispose();
        p.grad = null;
      }
    },
  };
}
