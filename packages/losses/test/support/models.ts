/**
 * Test models and checks shared by the loss tests: an embedding-table model (float64-friendly, for
 * gradcheck), a tiny BERT SentenceTransformer, gradcheck through a loss's parameters, and the
 * CPU-vs-WebGPU agreement of a loss's value and gradients.
 */
import * as T from '@tessera/tensor';
import type { DeviceName, DType, Tensor } from '@tessera/tensor';
import { disagreement } from '@tessera/tensor/testing';
import { gradcheck } from '@tessera/autograd';
import { BertModel, Dropout, Module, Pooling, SentenceTransformer, Tokenizer, Transformer, bertBaseUncasedVocab, bertTokenizerJson } from '@tessera/nn';
import type { Features } from '@tessera/nn';
import type { Loss } from '@tessera/losses';

/** sentenceEmbedding = masked mean of table rows for the ids (padding-invariant); optional dropout on the rows. */
export class EmbeddingTableModel extends Module {
  table: Tensor;
  drop: Dropout;
  readonly dim: number;

  constructor(vocab: number, dim: number, opts: { dtype?: DType; seed?: number; dropout?: number } = {}) {
    super();
    this.dim = dim;
    this.table = this.param('table', T.randn([vocab, dim], { dtype: opts.dtype ?? 'float64', generator: new T.Generator(opts.seed ?? 0) }));
    this.drop = this.child('drop', new Dropout(opts.dropout ?? 0));
  }

  forward(f: Features): Features {
    const [b, t] = f.inputIds.shape as [number, number];
    const tokens = this.drop.forward(this.table.indexSelect(0, f.inputIds.reshape(-1)).reshape([b, t, this.dim]));
    const mask = (f.attentionMask ?? T.onesLike(f.inputIds)).to(tokens.dtype).unsqueeze(-1);
    return { ...f, tokenEmbeddings: tokens, sentenceEmbedding: tokens.mul(mask).sum(1).div(mask.sum(1).clampMin(1e-9)) };
  }

  getEmbeddingDimension(): number {
    return this.dim;
  }
}

/** A feature record from id rows; 0 is padding. */
export function idsFeatures(rows: number[][], device: DeviceName = 'cpu'): Features {
  const width = Math.max(...rows.map((r) => r.length));
  const padded = rows.map((r) => [...r, ...new Array<number>(width - r.length).fill(0)]);
  const inputIds = T.tensor(padded, { dtype: 'int32', device });
  return { inputIds, attentionMask: inputIds.ne(0).int() };
}

let tokenizer: Tokenizer | null = null;
/** The bert-base-uncased tokenizer (built once). */
export function bertTokenizer(): Tokenizer {
  tokenizer ??= Tokenizer.fromJSON(bertTokenizerJson(bertBaseUncasedVocab(), { lowercase: true }));
  return tokenizer;
}

/** A tiny BERT SentenceTransformer with the real bert-base-uncased tokenizer. */
export function tinySentenceTransformer(opts: { dtype?: DType; hidden?: number; dropout?: number; seed?: number; pooling?: 'mean' | 'cls' } = {}): SentenceTransformer {
  const hidden = opts.hidden ?? 8;
  const bert = new BertModel(
    {
      hidden_size: hidden,
      num_hidden_layers: 2,
      num_attention_heads: 2,
      intermediate_size: 12,
      max_position_embeddings: 32,
      hidden_dropout_prob: opts.dropout ?? 0,
      attention_probs_dropout_prob: opts.dropout ?? 0,
      initializer_range: 0.3,
    },
    { dtype: opts.dtype ?? 'float32', generator: new T.Generator(opts.seed ?? 0) },
  );
  return new SentenceTransformer([new Transformer(bert, bertTokenizer(), { maxSeqLength: 24 }), new Pooling(hidden, opts.pooling ?? 'mean')]);
}

/**
 * gradcheck (float64, CPU) of `run(loss)` with respect to every parameter of the loss (its model's
 * and its own). Parameters are swapped in with setParameter, so the loss runs unchanged.
 */
export function lossGradcheck(loss: Loss, run: () => Tensor, opts: { atol?: number; rtol?: number; eps?: number } = {}): void {
  const named = loss.namedParameters();
  const names = named.map(([n]) => n);
  const params = named.map(([, p]) => p.detach().clone().requiresGrad_(true));
  try {
    T.tidy(() => {
      gradcheck(
        (...all: Tensor[]) => {
          names.forEach((n, i) => loss.setParameter(n, all[i]!));
          return run();
        },
        params,
        { atol: opts.atol ?? 1e-6, rtol: opts.rtol ?? 1e-4, eps: opts.eps ?? 1e-6 },
      );
    });
  } finally {
    // Put the original parameters back, so the loss stays usable after the check.
    named.forEach(([n, p]) => loss.setParameter(n, p));
  }
}

/** Value and every parameter gradient of `run(loss, device)` after backward. */
export async function valueAndGrads(loss: Loss, run: (l: Loss, device: DeviceName) => Tensor, device: DeviceName): Promise<{ value: number; grads: Map<string, Float64Array> }> {
  loss.zeroGrad();
  const value = run(loss, device);
  value.backward();
  const grads = new Map<string, Float64Array>();
  for (const [n, p] of loss.namedParameters()) if (p.grad) grads.set(n, Float64Array.from(await p.grad.data()));
  return { value: await value.item(), grads };
}

/** Runs a float32 loss on the CPU and on a WebGPU copy; throws unless value and gradients agree. */
export async function expectLossAgreement(loss: Loss, run: (l: Loss, device: DeviceName) => Tensor): Promise<void> {
  const gpuLoss = await loss.clone().to('webgpu');
  const cpu = await valueAndGrads(loss, run, 'cpu');
  const gpu = await valueAndGrads(gpuLoss, run, 'webgpu');
  const v = disagreement([gpu.value], [cpu.value]);
  if (v) throw new Error(`loss value: ${v}`);
  if ([...gpu.grads.keys()].join() !== [...cpu.grads.keys()].join()) throw new Error(`gradients for different parameters: ${[...gpu.grads.keys()]} vs ${[...cpu.grads.keys()]}`);
  for (const [n, g] of cpu.grads) {
    const d = disagreement(gpu.grads.get(n)!, g);
    if (d) throw new Error(`gradient of ${n}: ${d}`);
  }
}

/** Float tensors from nested arrays (float64 unless told). */
export function t(values: number[] | number[][] | number[][][], dtype: DType = 'float64', device: DeviceName = 'cpu'): Tensor {
  return T.tensor(values, { dtype, device });
}
