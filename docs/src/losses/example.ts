/**
 * The contract of a loss page's example (src/losses/examples/<LossName>.ts): given a tiny encoder
 * on a device, build the loss and compute it on a small batch. The page runs it once on WebGPU and
 * once on the CPU backend (fresh encoders with the same seed, `manualSeed(0)` before each run), calls
 * `value.backward()` and shows the value and the norm of the gradient of every trained parameter.
 */
import type { DeviceName, Tensor } from '@tessera/tensor';
import type { Features } from '@tessera/nn';
import type { EmbeddingModel, Loss } from '@tessera/losses';

/** What the examples use of an encoder: a SentenceTransformer has all of it. */
export interface ExampleEncoder extends EmbeddingModel {
  tokenize(texts: readonly string[], device?: DeviceName): Features;
  getEmbeddingDimension(): number;
  encode(texts: readonly string[], opts?: { normalize?: boolean }): Promise<Tensor>;
}

export interface LossExampleContext<M extends ExampleEncoder = ExampleEncoder> {
  /** The encoder being trained, on `device`. */
  model: M;
  device: DeviceName;
  /** Another encoder of the same kind with its own seed, on the same device: a guide or a teacher. */
  otherModel(seed: number): Promise<M>;
}

export interface LossExampleResult {
  loss: Loss;
  /** The scalar loss; the page calls `value.backward()`. */
  value: Tensor;
}

export type LossExample<M extends ExampleEncoder = ExampleEncoder> = (ctx: LossExampleContext<M>) => LossExampleResult | Promise<LossExampleResult>;

/**
 * Which encoder an example trains: 'words' (default) is AverageWordEmbeddings (an embedding table
 * averaged over the tokens, width 16); 'bert' is a tiny BERT SentenceTransformer (hidden 16, 2
 * layers), for the losses that need a transformer's layers or decoder.
 */
export type ExampleEncoderKind = 'words' | 'bert';
