import type { DeviceName, Tensor } from '@tessera/tensor';
import { cat, check, normalize, tensor, TesseraError, tidy, toDevice, zeros } from '@tessera/tensor';
import { noGrad } from '@tessera/autograd';
import { Module } from '../module.js';
import { ProgressBar } from '../util/progress.js';
import type { FeatureModule, Features } from './features.js';
import { Pooling } from './pooling.js';
import { Transformer } from './transformer.js';

export interface EncodeOptions {
  batchSize?: number;
  /** L2-normalise the embeddings (sentence-transformers' normalize_embeddings). */
  normalize?: boolean;
  /** Device to run on (default: the model's). The result is returned on the CPU unless `outputDevice` says otherwise. */
  device?: DeviceName;
  outputDevice?: DeviceName;
  /** Default: shown when there is more than one batch. */
  showProgressBar?: boolean;
}

type Pipeline = Module & FeatureModule;

/**
 * A module pipeline (Transformer -> Pooling -> optional Dense/Normalize) as sentence-transformers'
 * SentenceTransformer: `forward(features)` gives `tokenEmbeddings` and `sentenceEmbedding`.
 */
export class SentenceTransformer extends Module {
  readonly steps: readonly Pipeline[];
  /** Named prompts (prepended to texts when encoding with `prompt`), as in config_sentence_transformers.json. */
  prompts: Record<string, string> = {};
  similarityFnName: 'cosine' | 'dot' | 'euclidean' | 'manhattan' = 'cosine';

  constructor(modules: readonly Pipeline[]) {
    super();
    check(modules.length > 0, 'SentenceTransformer', 'modules', () => 'must hold at least one module');
    modules.forEach((m, i) => this.child(String(i), m));
    this.steps = modules;
  }

  /** The first module: the transformer and its tokenizer. */
  get transformer(): Transformer {
    const t = this.steps[0];
    if (!(t instanceof Transformer)) throw new TesseraError('SentenceTransformer', 'modules', 'must start with a Transformer module');
    return t;
  }

  get maxSeqLength(): number {
    return this.transformer.maxSeqLength;
  }
  set maxSeqLength(n: number) {
    this.transformer.maxSeqLength = n;
  }

  /** Width of `sentenceEmbedding` (sentence-transformers v6: get_embedding_dimension). */
  getEmbeddingDimension(): number {
    let dim = this.transformer.hiddenSize;
    for (const m of this.steps) {
      if (m instanceof Pooling) dim = m.outputDimension;
      const out = (m as { config?: { out_features?: number } }).config?.out_features;
      if (typeof out === 'number') dim = out;
    }
    return dim;
  }

  /** Alias of getEmbeddingDimension (the sentence-transformers v5 name). */
  getSentenceEmbeddingDimension(): number {
    return this.getEmbeddingDimension();
  }

  /** Tokenizes texts into features on the model's device. */
  tokenize(texts: readonly string[] | readonly (readonly [string, string])[], device?: DeviceName): Features {
    return this.transformer.tokenize(texts, device ?? this.device);
  }

  /** Runs every module: features in, features with `tokenEmbeddings` and `sentenceEmbedding` out. */
  forward(features: Features): Features {
    let f = features;
    for (const m of this.steps) f = m.forward(f);
    return f;
  }

  /** Runs the modules after the transformer on given features (e.g. substituted token embeddings). */
  forwardAfterTransformer(features: Features): Features {
    let f = features;
    for (const m of this.steps.slice(1)) f = m.forward(f);
    return f;
  }

  /**
   * Sentence embeddings `[N, D]` for `texts`, in eval mode without gradients, in batches sorted by
   * length (like sentence-transformers), returned in input order.
   */
  async encode(texts: readonly string[], opts: EncodeOptions = {}): Promise<Tensor> {
    check(Array.isArray(texts), 'encode', 'texts', () => 'must be an array of strings');
    texts.forEach((t, i) => check(typeof t === 'string', 'encode', `texts[${i}]`, () => `must be a string, got ${typeof t}`));
    const batchSize = opts.batchSize ?? 32;
    check(Number.isInteger(batchSize) && batchSize > 0, 'encode', 'batchSize', () => `must be a positive integer, got ${batchSize}`);
    const device = opts.device ?? this.device;
    if (device !== this.device) throw new TesseraError('encode', 'device', `is ${device} but the model is on ${this.device}; move it first with await model.to('${device}')`);
    const outputDevice = opts.outputDevice ?? 'cpu';
    const order = texts.map((_, i) => i).sort((a, b) => texts[b]!.length - texts[a]!.length);
    const wasTraining = this.training;
    this.eval();
    const batches = Math.ceil(texts.length / batchSize);
    const bar = (opts.showProgressBar ?? batches > 1) ? new ProgressBar(batches, 'Batches') : null;
    const chunks: Tensor[] = [];
    try {
      for (let start = 0; start < texts.length; start += batchSize) {
        const idx = order.slice(start, start + batchSize);
        const emb = noGrad(() =>
          tidy(() => {
            const f = this.forward(this.tokenize(idx.map((i) => texts[i]!), device));
            return opts.normalize ? normalize(f.sentenceEmbedding!, { dim: 1 }) : f.sentenceEmbedding!;
          }),
        );
        const moved = emb.device === outputDevice ? emb : await toDevice(emb, outputDevice);
        if (moved !== emb) emb.dispose();
        chunks.push(moved);
        bar?.tick();
      }
    } finally {
      this.train(wasTraining);
    }
    if (chunks.length === 0) return zeros([0, this.getEmbeddingDimension()], { device: outputDevice });
    const stacked = cat(chunks, 0);
    for (const c of chunks) c.dispose();
    // Undo the length sort.
    const inverse = new Int32Array(order.length);
    order.forEach((original, sortedPos) => (inverse[original] = sortedPos));
    const index = tensor(inverse, { device: outputDevice });
    const out = stacked.indexSelect(0, index);
    stacked.dispose();
    index.dispose();
    return out;
  }

  /** Writes a sentence-transformers folder (loads in Python's SentenceTransformer, and back with `load`). */
  async save(folder: string): Promise<void> {
    const { saveSentenceTransformer } = await import('./folder.js');
    await saveSentenceTransformer(this, folder);
  }

  /** Loads a sentence-transformers (or plain BERT) folder. */
  static async load(folder: string, opts: { device?: DeviceName } = {}): Promise<SentenceTransformer> {
    const { loadSentenceTransformer } = await import('./folder.js');
    return loadSentenceTransformer(folder, opts);
  }

  /**
   * A local folder, or a Hugging Face repo id downloaded (resumably) into the hub cache first
   * (endpoint from HF_ENDPOINT), then loaded.
   */
  static async fromPretrained(nameOrPath: string, opts: { device?: DeviceName; cacheDir?: string; revision?: string; endpoint?: string } = {}): Promise<SentenceTransformer> {
    const { stat } = await import('node:fs/promises');
    const isDir = await stat(nameOrPath).then((s) => s.isDirectory(), () => false);
    if (isDir) return SentenceTransformer.load(nameOrPath, opts);
    const { downloadSnapshot } = await import('../io/hub.js');
    const folder = await downloadSnapshot(nameOrPath, { revision: opts.revision, cacheDir: opts.cacheDir, endpoint: opts.endpoint });
    return SentenceTransformer.load(folder, opts);
  }
}

