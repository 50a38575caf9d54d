import type { Generator, Tensor } from '@tessera/tensor';
import { cast, cat, check, crossEntropy, TesseraError } from '@tessera/tensor';
import type { Features, Linear } from '@tessera/nn';
import { Loss } from '../loss.js';
import type { LossInfo } from '../loss.js';
import type { EmbeddingModel } from '../model.js';
import { checkBool, checkOptions, checkPositiveInt, labelsOn, ownedLinear, requireFn, warnOncePerProcess } from './pair-utils.js';

/** A classification loss `(logits [B, C], labels [B]) -> scalar`, as a function or a module with that forward. */
export type ClassificationLossFn = ((logits: Tensor, labels: Tensor) => Tensor) | { forward(logits: Tensor, labels: Tensor): Tensor };

export interface SoftmaxLossOptions {
  /** [embedding_dimension] Width D of the sentence embeddings (required; e.g. `model.getEmbeddingDimension()`). */
  embeddingDimension?: number;
  /** [sentence_embedding_dimension] Deprecated alias of `embeddingDimension` (ST v5 name); the new name wins. */
  sentenceEmbeddingDimension?: number;
  /** [num_labels] Number of classes (required). */
  numLabels: number;
  /** [concatenation_sent_rep] Concatenate u and v. Default true. */
  concatenationSentRep?: boolean;
  /** [concatenation_sent_difference] Concatenate |u − v|. Default true. */
  concatenationSentDifference?: boolean;
  /** [concatenation_sent_multiplication] Concatenate u ⊙ v. Default false. */
  concatenationSentMultiplication?: boolean;
  /** [loss_fct] Default: cross-entropy (mean) on integer class labels. */
  lossFct?: ClassificationLossFn;
  /** Tessera: source of the classifier's initial values (default: the global generator, seeded by manualSeed). */
  generator?: Generator;
}

const CROSS_ENTROPY = Object.assign((logits: Tensor, labels: Tensor): Tensor => crossEntropy(logits, labels.dtype === 'int32' ? labels : cast(labels, 'int32')), {
  stName: 'torch.nn.modules.loss.CrossEntropyLoss',
});

const OPTIONS = ['embeddingDimension', 'sentenceEmbeddingDimension', 'numLabels', 'concatenationSentRep', 'concatenationSentDifference', 'concatenationSentMultiplication', 'lossFct', 'generator'];

/**
 * SoftmaxLoss (SBERT's NLI objective): a softmax classifier over a combination of the two embeddings.
 *
 * `feat = cat([u, v] if concatenationSentRep, |u − v| if concatenationSentDifference,
 * u ⊙ v if concatenationSentMultiplication)` (in that order, along dim 1);
 * `logits = classifier(feat)` with `classifier = Linear(k·D → numLabels)`,
 * `k = 2·[rep] + [difference] + [multiplication]`; `loss = lossFct(logits, labels)` (cross-entropy).
 *
 * The classifier is owned by the loss (a child named `classifier`, so its parameters are in
 * `loss.parameters()` and must be in the optimizer; it is not saved with the model). It is created
 * with PyTorch's default init (weight and bias ~ U(−1/√(kD), 1/√(kD))) from `generator`, with the
 * model's float dtype, on the model's device. All three flags false is an error.
 *
 * Inputs: exactly two columns and an integer class label. Without labels `forward` throws: a
 * scalar-returning forward cannot return sentence-transformers' `(embeddings, logits)` pair — use
 * `predict(features)` for that (e.g. for an accuracy evaluator, `argmax(logits)`).
 * Config: `{ num_labels, concatenation_sent_rep, concatenation_sent_difference, concatenation_sent_multiplication }`.
 */
export class SoftmaxLoss extends Loss {
  static readonly info: LossInfo = {
    inputs: '(sentence_A, sentence_B) pairs',
    labels: 'class',
    citation: '@inproceedings{reimers-2019-sentence-bert, title = "Sentence-BERT: Sentence Embeddings using Siamese BERT-Networks", author = "Reimers, Nils and Gurevych, Iryna", booktitle = "Proceedings of the 2019 Conference on Empirical Methods in Natural Language Processing", month = "11", year = "2019", publisher = "Association for Computational Linguistics", url = "https://arxiv.org/abs/1908.10084"}',
    relations: ['MultipleNegativesRankingLoss'],
  };

  readonly embeddingDimension: number;
  readonly numLabels: number;
  readonly concatenationSentRep: boolean;
  readonly concatenationSentDifference: boolean;
  readonly concatenationSentMultiplication: boolean;
  readonly lossFct: ClassificationLossFn;
  /** Number of D-wide vectors concatenated for the classifier. */
  readonly numVectorsConcatenated: number;
  readonly classifier: Linear;

  constructor(model: EmbeddingModel, options: SoftmaxLossOptions) {
    super(model);
    const op = 'SoftmaxLoss';
    checkOptions(op, options, OPTIONS);
    if (options.sentenceEmbeddingDimension !== undefined) {
      warnOncePerProcess('SoftmaxLoss.sentenceEmbeddingDimension', "SoftmaxLoss: option 'sentenceEmbeddingDimension' is deprecated; use 'embeddingDimension'.");
    }
    const dim = options.embeddingDimension ?? options.sentenceEmbeddingDimension;
    if (dim === undefined) throw new TesseraError(op, 'embeddingDimension', 'is required (the sentence embedding width, e.g. model.getEmbeddingDimension())');
    this.embeddingDimension = checkPositiveInt(op, 'embeddingDimension', dim);
    this.numLabels = checkPositiveInt(op, 'numLabels', options.numLabels);
    this.concatenationSentRep = checkBool(op, 'concatenationSentRep', options.concatenationSentRep ?? true);
    this.concatenationSentDifference = checkBool(op, 'concatenationSentDifference', options.concatenationSentDifference ?? true);
    this.concatenationSentMultiplication = checkBool(op, 'concatenationSentMultiplication', options.concatenationSentMultiplication ?? false);
    this.lossFct = requireFn(op, 'lossFct', options.lossFct ?? CROSS_ENTROPY);
    this.numVectorsConcatenated = (this.concatenationSentRep ? 2 : 0) + (this.concatenationSentDifference ? 1 : 0) + (this.concatenationSentMultiplication ? 1 : 0);
    check(this.numVectorsConcatenated > 0, op, 'concatenationSentRep', () => 'concatenationSentDifference and concatenationSentMultiplication are all false: the classifier would get no input; enable at least one');
    this.classifier = this.child('classifier', ownedLinear(model, this.numVectorsConcatenated * this.embeddingDimension, this.numLabels, options.generator));
  }

  /** The classifier's logits `[B, numLabels]` for the pairs `(u_i, v_i)`. */
  logits(u: Tensor, v: Tensor): Tensor {
    const parts: Tensor[] = [];
    if (this.concatenationSentRep) parts.push(u, v);
    if (this.concatenationSentDifference) parts.push(u.sub(v).abs());
    if (this.concatenationSentMultiplication) parts.push(u.mul(v));
    return this.classifier.forward(cat(parts, 1));
  }

  /** The embeddings of both columns and the classifier's logits (sentence-transformers' label-free forward). */
  predict(features: Features[]): { embeddings: [Tensor, Tensor]; logits: Tensor } {
    this.checkColumns(features, (k) => k === 2, '2 (sentence_A, sentence_B)');
    const embeddings = this.embed(features);
    this.checkPair(embeddings);
    const [u, v] = embeddings as [Tensor, Tensor];
    return { embeddings: [u, v], logits: this.logits(u, v) };
  }

  override forward(features: Features[], labels?: Tensor): Tensor {
    this.checkColumns(features, (k) => k === 2, '2 (sentence_A, sentence_B)');
    const y = this.requireLabels(labels, 'an integer class label per pair (for logits without labels use predict(features))');
    return this.computeLossFromEmbeddings(this.embed(features), y);
  }

  computeLossFromEmbeddings(embeddings: Tensor[], labels?: Tensor): Tensor {
    this.checkPair(embeddings);
    const [u, v] = embeddings as [Tensor, Tensor];
    const y = this.requireLabels(labels, 'an integer class label per pair (for logits without labels use predict(features))');
    const rows = u.shape[0]!;
    check(y.ndim >= 1 && y.shape[0] === rows && y.numel === rows, 'SoftmaxLoss', 'labels', () => `have shape [${y.shape.join(', ')}]; expected one class per pair: [${rows}] (or [${rows}, 1])`);
    const target = labelsOn('SoftmaxLoss', y.reshape([rows]), u);
    const logits = this.logits(u, v);
    const f = this.lossFct;
    return typeof f === 'function' ? f(logits, target) : f.forward(logits, target);
  }

  private checkPair(embeddings: Tensor[]): void {
    this.checkEmbeddings(embeddings, (k) => k === 2, '2 (sentence_A, sentence_B)');
    const width = embeddings[0]!.shape[1];
    check(width === this.embeddingDimension, 'SoftmaxLoss', 'embeddings', () => `have width ${width} but the loss was built with embeddingDimension ${this.embeddingDimension}`);
  }

  override getConfigDict(): Record<string, unknown> {
    return {
      num_labels: this.numLabels,
      concatenation_sent_rep: this.concatenationSentRep,
      concatenation_sent_difference: this.concatenationSentDifference,
      concatenation_sent_multiplication: this.concatenationSentMultiplication,
    };
  }
}
