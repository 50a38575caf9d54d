import type { DeviceName, DType, Tensor } from '@tessera/tensor';
import { check, crossEntropy, fmtShape, TesseraError } from '@tessera/tensor';
import { BertLMHeadModel, parseSafetensors, SentenceTransformer, Tokenizer, Transformer } from '@tessera/nn';
import type { BertConfig, Features, StateDict, TextTokenizer } from '@tessera/nn';
import { Loss } from '../loss.js';
import type { LossInfo } from '../loss.js';
import type { EmbeddingModel } from '../model.js';

export interface DenoisingAutoEncoderLossOptions {
  /**
   * The decoder when `tieEncoderDecoder` is false: a local folder holding a BERT checkpoint
   * (`config.json`, `model.safetensors` with BertLMHeadModel / BertForMaskedLM / BertModel keys,
   * optionally `tokenizer.json`; read synchronously, so Node.js only), or a BertLMHeadModel instance.
   * Ignored, with a warning, when `tieEncoderDecoder` is true.
   */
  decoderNameOrPath?: string | BertLMHeadModel | null;
  /** Share the decoder's body with the encoder (default true). */
  tieEncoderDecoder?: boolean;
}

const NAME = 'DenoisingAutoEncoderLoss';

/** The BERT Transformer module of a SentenceTransformer encoder (DAE needs one). */
function encoderTransformer(model: EmbeddingModel): Transformer {
  const first = model instanceof SentenceTransformer ? model.steps[0] : undefined;
  if (!(first instanceof Transformer)) {
    throw new TesseraError(NAME, 'model', 'must be a SentenceTransformer whose first module is a BERT Transformer (the decoder is built from its configuration and tokenizer)');
  }
  return first;
}

type NodeFs = typeof import('node:fs');
type NodePath = typeof import('node:path');

/** Node's fs and path, synchronously (process.getBuiltinModule), or null outside Node. */
function nodeModules(): { fs: NodeFs; path: NodePath } | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== 'function') return null;
  const fs = proc.getBuiltinModule('node:fs') as NodeFs | undefined;
  const path = proc.getBuiltinModule('node:path') as NodePath | undefined;
  return fs && path ? { fs, path } : null;
}

/**
 * Loads a decoder from a local folder: `config.json` (model_type 'bert'), `model.safetensors` whose
 * keys are BertLMHeadModel's (`bert.*`, `cls.predictions.*`) or a bare BertModel's (prefixed with
 * `bert.` here); weights the checkpoint lacks (cross-attention, often the LM head) keep BERT's
 * initialisation. The folder's `tokenizer.json`, when present, is the decoder tokenizer.
 */
function loadDecoderFolder(folder: string, hidden: number, opts: { dtype: DType; device: DeviceName }): { decoder: BertLMHeadModel; tokenizer: TextTokenizer | null } {
  const node = nodeModules();
  if (!node) throw new TesseraError(NAME, 'decoderNameOrPath', 'names a folder, which can only be read under Node.js; pass a BertLMHeadModel instead');
  const { fs, path } = node;
  const file = (name: string): string => path.join(folder, name);
  if (!fs.existsSync(file('config.json'))) throw new TesseraError(NAME, 'decoderNameOrPath', `'${folder}' has no config.json (a local checkpoint folder is required)`);
  let config: Partial<BertConfig>;
  try {
    config = JSON.parse(fs.readFileSync(file('config.json'), 'utf8')) as Partial<BertConfig>;
  } catch (e) {
    throw new TesseraError(NAME, 'decoderNameOrPath', `'${folder}' has an invalid config.json: ${(e as Error).message}`);
  }
  if (config.model_type !== undefined && config.model_type !== 'bert') {
    throw new TesseraError(NAME, 'decoderNameOrPath', `'${folder}' holds a '${String(config.model_type)}' model; Tessera's decoder is BERT (BertLMHeadModel)`);
  }
  if (config.hidden_size !== undefined && config.hidden_size !== hidden) {
    throw new TesseraError(NAME, 'decoderNameOrPath', `hidden sizes do not match: the decoder's is ${config.hidden_size}, the encoder's ${hidden}`);
  }
  const decoder = new BertLMHeadModel(config, opts);
  if (!fs.existsSync(file('model.safetensors'))) throw new TesseraError(NAME, 'decoderNameOrPath', `'${folder}' has no model.safetensors`);
  const bytes = fs.readFileSync(file('model.safetensors'));
  const { tensors } = parseSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { device: 'cpu' });
  const own = new Set(Object.keys(decoder.stateDict()));
  const mapped: StateDict = {};
  for (const [k, v] of Object.entries(tensors)) {
    const key = own.has(k) ? k : own.has(`bert.${k}`) ? `bert.${k}` : null;
    if (key) mapped[key] = v;
  }
  decoder.loadStateDict(mapped, { strict: false });
  for (const t of Object.values(tensors)) t.dispose();
  const tokenizer = fs.existsSync(file('tokenizer.json')) ? Tokenizer.fromJSON(JSON.parse(fs.readFileSync(file('tokenizer.json'), 'utf8')) as Record<string, unknown>) : null;
  return { decoder, tokenizer };
}

/**
 * DenoisingAutoEncoderLoss — TSDAE (Wang et al. 2021; sentence-transformers v6, losses.md §22).
 *
 * The encoder (the model) embeds the damaged sentence into `h = encoder(source).sentenceEmbedding`
 * `[B, H]`; a BERT decoder with causal self-attention, cross-attention on the single memory slot
 * `h[:, None, :]` and an LM head reconstructs the original sentence `Y [B, T]` token by token:
 *
 *   X = Y[:, 0:T−1],  L = Y[:, 1:T],
 *   logits = decoder(X, encoderHiddenStates = h[:, None, :], encoderAttentionMask = source.attentionMask[:, 0:1]),
 *   loss = CE(logits.view(−1, V), L.view(−1), ignoreIndex = pad id)   (mean over the non-pad targets)
 *
 * The decoder is a BertLMHeadModel built from the encoder's BERT configuration and registered as the
 * child `decoder`, so its own parameters (cross-attention, LM-head transform and bias) are trained.
 * With `tieEncoderDecoder` (default) every decoder-body parameter with an encoder counterpart
 * (embeddings, self-attention, feed-forward, LayerNorms) is the encoder's tensor — gradients from
 * both uses accumulate — and the LM output weight is the shared word-embedding matrix. Otherwise the
 * decoder comes from `decoderNameOrPath` (a checkpoint folder or a BertLMHeadModel).
 * Inputs: (damaged_sentence, original_sentence) pairs (see `denoise` / DenoisingAutoEncoderDataset).
 */
export class DenoisingAutoEncoderLoss extends Loss {
  static readonly info: LossInfo = {
    inputs: '(damaged_sentence, original_sentence) pairs',
    labels: 'none',
    citation: `@inproceedings{wang-2021-TSDAE,
    title = "TSDAE: Using Transformer-based Sequential Denoising Auto-Encoderfor Unsupervised Sentence Embedding Learning",
    author = "Wang, Kexin and Reimers, Nils and Gurevych, Iryna",
    booktitle = "Findings of the Association for Computational Linguistics: EMNLP 2021",
    month = nov,
    year = "2021",
    address = "Punta Cana, Dominican Republic",
    publisher = "Association for Computational Linguistics",
    pages = "671--688",
    url = "https://arxiv.org/abs/2104.06979",
}`,
    relations: [],
  };

  /** The decoder (a child module: its own parameters train with the loss). */
  decoder: BertLMHeadModel;
  readonly decoderNameOrPath: string | null;
  readonly tieEncoderDecoder: boolean;
  /** Decoder parameter names (under `decoder.bert`) that are the encoder's tensors (tied mode). */
  readonly tiedParameters: readonly string[];
  /** The CE ignore index: the decoder tokenizer's pad id. */
  readonly decoderPadTokenId: number;
  /** sentence-transformers re-tokenizes the targets when the decoder tokenizer is of another class. */
  readonly needRetokenization: boolean;
  private readonly decoderTokenizer: TextTokenizer;

  constructor(model: EmbeddingModel, options: DenoisingAutoEncoderLossOptions = {}) {
    super(model);
    const tie = options.tieEncoderDecoder ?? true;
    check(typeof tie === 'boolean', NAME, 'tieEncoderDecoder', () => `must be a boolean, got ${String(tie)}`);
    let source = options.decoderNameOrPath ?? null;
    check(source === null || typeof source === 'string' || source instanceof BertLMHeadModel, NAME, 'decoderNameOrPath', () => 'must be null, a checkpoint folder or a BertLMHeadModel');
    if (!tie && source === null) throw new TesseraError(NAME, 'decoderNameOrPath', 'is required when tieEncoderDecoder is false');
    if (tie && source !== null) {
      console.warn(`${NAME}: decoderNameOrPath is ignored when tieEncoderDecoder is true; the decoder is built from the encoder's own configuration and shares its weights`);
      source = null;
    }
    const encoder = encoderTransformer(model);
    const bert = encoder.auto_model;
    const hidden = bert.config.hidden_size;
    const weight = bert.embeddings.word_embeddings.weight;
    const opts = { dtype: weight.dtype, device: weight.device };
    let decoder: BertLMHeadModel;
    let tokenizer: TextTokenizer | null = null;
    let tied: string[] = [];
    if (source === null) {
      // Fresh decoder-only weights (cross-attention, LM-head transform, bias) use BERT's initialisation.
      decoder = new BertLMHeadModel({ ...bert.config, architectures: ['BertLMHeadModel'] }, opts);
      tied = decoder.tieToEncoder(bert);
    } else if (source instanceof BertLMHeadModel) {
      decoder = source;
    } else {
      ({ decoder, tokenizer } = loadDecoderFolder(source, hidden, opts));
    }
    if (decoder.config.hidden_size !== hidden) {
      throw new TesseraError(NAME, 'decoderNameOrPath', `hidden sizes do not match: the decoder's is ${decoder.config.hidden_size}, the encoder's ${hidden}`);
    }
    this.decoderTokenizer = tokenizer ?? encoder.tokenizer;
    // Tied, the decoder uses the encoder's own tokenizer, so only an untied checkpoint can differ.
    this.needRetokenization = this.decoderTokenizer.constructor !== encoder.tokenizer.constructor;
    this.decoder = this.child('decoder', decoder);
    this.decoderNameOrPath = typeof source === 'string' ? source : null;
    this.tieEncoderDecoder = tie;
    this.tiedParameters = tied;
    this.decoderPadTokenId = this.decoderTokenizer.padTokenId;
  }

  /** TSDAE's shift by one: decoder inputs `Y[:, 0:T−1]` and labels `Y[:, 1:T]` of target ids `Y [B, T]` (T ≥ 2). */
  static shiftTargets(inputIds: Tensor): { decoderInputIds: Tensor; labels: Tensor } {
    check(inputIds.ndim === 2 && inputIds.shape[1]! >= 2, NAME, 'features[1].inputIds', () => `must be [batch, seq] with seq >= 2 (a target to predict), got ${fmtShape(inputIds.shape)}`);
    const t = inputIds.shape[1]!;
    return { decoderInputIds: inputIds.narrow(1, 0, t - 1), labels: inputIds.narrow(1, 1, t - 1) };
  }

  forward(features: Features[], _labels?: Tensor): Tensor {
    this.checkColumns(features, (k) => k === 2, 'exactly 2 columns: (damaged_sentence, original_sentence)');
    const [source, original] = features as [Features, Features];
    const target = this.needRetokenization ? this.retokenize(original) : original;
    const [h] = this.embed([source]);
    const hidden = this.decoder.config.hidden_size;
    check(h!.ndim === 2 && h!.shape[1] === hidden, NAME, 'model', () => `returned sentence embeddings ${fmtShape(h!.shape)}; the decoder's hidden size is ${hidden}`);
    const { decoderInputIds, labels } = DenoisingAutoEncoderLoss.shiftTargets(target.inputIds);
    check(decoderInputIds.shape[0] === h!.shape[0], NAME, 'features', () => `column 1 has ${decoderInputIds.shape[0]} rows but column 0 has ${h!.shape[0]}`);
    const logits = this.decoder.forward({
      inputIds: decoderInputIds,
      attentionMask: null,
      encoderHiddenStates: h!.unsqueeze(1),
      encoderAttentionMask: source.attentionMask ? source.attentionMask.narrow(1, 0, 1) : null,
    });
    const v = logits.shape[2]!;
    return crossEntropy(logits.reshape([-1, v]), labels.reshape([-1]), { ignoreIndex: this.decoderPadTokenId });
  }

  /** Decodes the target ids with the encoder tokenizer and tokenizes them with the decoder's. */
  private retokenize(f: Features): Features {
    const ids = f.inputIds;
    if (ids.device !== 'cpu') throw new TesseraError(NAME, 'features', `hold inputIds on ${ids.device}; re-tokenizing for the decoder reads them on the host`);
    const encoder = encoderTransformer(this.model);
    const [rows, width] = ids.shape as [number, number];
    const data = ids.dataSync();
    const texts = Array.from({ length: rows }, (_, r) => encoder.tokenizer.decode(Array.from(data.subarray(r * width, (r + 1) * width)), { skipSpecialTokens: true }));
    return this.decoderTokenizer.batch(texts, { maxLength: this.decoder.config.max_position_embeddings, padding: 'longest', truncation: true, device: ids.device });
  }

  override getConfigDict(): Record<string, unknown> {
    return { decoderNameOrPath: this.decoderNameOrPath, tieEncoderDecoder: this.tieEncoderDecoder };
  }
}
