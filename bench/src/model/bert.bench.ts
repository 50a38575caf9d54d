/**
 * Tessera's model-level cases, on 'cpu' or 'webgpu' (same cases, same names; the suite name says the
 * device as the op suites do: 'bert layer' / 'webgpu bert layer'):
 *
 *   bert layer  one BertLayer (MiniLM-L6 sizes, dropout off), forward + backward from an upstream gradient
 *   train step  MiniLM-L6 SentenceTransformer, 32 (anchor, positive) pairs x 32 tokens: forward both
 *               columns, MultipleNegativesRankingLoss (scale 20, cos sim), backward, AdamW (lr 2e-5) [opt-in]
 *   encode      SentenceTransformer.encode of 32 sentences truncated to 128 tokens (batch 32) [opt-in]
 *
 * Each samples Tessera's memory on its device (peak per call; live bytes after call 1 vs the last).
 * The opt-in cases take minutes a call here: `pnpm bench -- --quick` leaves them out (filters apply:
 * `pnpm bench -- "train step"`).
 */
import type { DeviceName } from '@tessera/tensor';
import { Suite, TESSERA_CPU, awaitingHarness } from '../suite.js';
import type { Budget, Harness, SuiteOptions } from '../suite.js';
import { TESSERA_WEBGPU, webgpuReady } from '../webgpu/setup.js';
import {
  BERT_LAYER_SHAPE,
  ENCODE_SHAPE,
  MINILM_L6,
  TRAIN_STEP_SHAPE,
  TesseraTrainStep,
  bertForwardFlops,
  bertLayerCaseName,
  encodeCaseName,
  syntheticSentences,
  tesseraBertLayer,
  tesseraMiniLM,
  trainStepCaseName,
} from './minilm.js';
import type { MiniLMSpec } from './minilm.js';

export interface BertSuiteOptions extends SuiteOptions {
  /** Model sizes (tests use tiny ones). Default MiniLM-L6. */
  spec?: MiniLMSpec;
  /** bert layer: rows of `seq` tokens. */
  batch?: number;
  /** Tokens per row (bert layer, train step) or the truncation length (encode). */
  seq?: number;
  /** train step: (anchor, positive) pairs. */
  pairs?: number;
  /** encode: sentences per call (batch size `batch`). */
  sentences?: number;
  seed?: number;
}

/** Suite names per device, shared with the tfjs peers (which name them in `peerOf`). */
export const BERT_SUITES = {
  layer: { cpu: 'bert layer', webgpu: 'webgpu bert layer' },
  train: { cpu: 'train step', webgpu: 'webgpu train step' },
  encode: { cpu: 'encode', webgpu: 'webgpu encode' },
} as const satisfies Record<string, Record<DeviceName, string>>;

/**
 * Warmup calls (compile WebGPU pipelines, make the optimizer state), then a few timed calls. The
 * training step gets two warmups and three timed steps: measured here, a CPU step settles only
 * after its second or third call (JIT tiers, the array pool filling): 10.0, 6.6, 6.8, then 5.1–5.5 s.
 */
export const BERT_BUDGETS = {
  layer: { time: 0, iterations: 2, warmupTime: 0, warmupIterations: 1 },
  train: { time: 0, iterations: 3, warmupTime: 0, warmupIterations: 2 },
  encode: { time: 0, iterations: 2, warmupTime: 0, warmupIterations: 1 },
} as const satisfies Record<string, Budget>;

const harnessOf = (device: DeviceName): Harness => (device === 'webgpu' ? TESSERA_WEBGPU : TESSERA_CPU);

async function ready(suite: Suite, device: DeviceName, cases: readonly string[], optIn: boolean): Promise<boolean> {
  if (!suite.wantsAny(cases, undefined, optIn)) return false;
  return device === 'cpu' || (await webgpuReady());
}

/** One BERT layer forward + backward (GFLOP/s of its matmuls: 3x the forward's). */
export async function bertLayerSuite(device: DeviceName, opts: BertSuiteOptions = {}): Promise<Suite> {
  const suite = new Suite(BERT_SUITES.layer[device], BERT_BUDGETS.layer, opts, harnessOf(device));
  const spec = opts.spec ?? MINILM_L6;
  const batch = opts.batch ?? BERT_LAYER_SHAPE.batch;
  const seq = opts.seq ?? BERT_LAYER_SHAPE.seq;
  const name = bertLayerCaseName(batch, seq, spec);
  if (!(await ready(suite, device, [name], false))) return suite;
  suite.add(
    name,
    'GFLOP/s',
    3 * bertForwardFlops(batch, seq, spec, 1),
    () => {
      const l = tesseraBertLayer(device, { spec, batch, seq, seed: opts.seed });
      return { inputs: l.inputs, run: () => l.run() };
    },
    undefined,
    { memory: device },
  );
  return suite;
}

/** The training step (GFLOP/s of the model's matmuls: 3x the forward of both columns). Opt-in. */
export async function trainStepSuite(device: DeviceName, opts: BertSuiteOptions = {}): Promise<Suite> {
  const suite = new Suite(BERT_SUITES.train[device], BERT_BUDGETS.train, opts, harnessOf(device));
  const spec = opts.spec ?? MINILM_L6;
  const pairs = opts.pairs ?? TRAIN_STEP_SHAPE.pairs;
  const seq = opts.seq ?? TRAIN_STEP_SHAPE.seq;
  const name = trainStepCaseName(pairs, seq, spec);
  if (!(await ready(suite, device, [name], true))) return suite;
  suite.add(
    name,
    'GFLOP/s',
    3 * bertForwardFlops(2 * pairs, seq, spec),
    () => {
      const step = new TesseraTrainStep(device, { spec, pairs, seq, seed: opts.seed });
      return { inputs: [{ dispose: () => step.dispose() }], run: () => step.step() };
    },
    undefined,
    { memory: device, optIn: true, stateful: true },
  );
  return suite;
}

/** `SentenceTransformer.encode` throughput in sentences/s (tokenization and the read-back included). Opt-in. */
export async function encodeSuite(device: DeviceName, opts: BertSuiteOptions = {}): Promise<Suite> {
  const suite = new Suite(BERT_SUITES.encode[device], BERT_BUDGETS.encode, opts, awaitingHarness(harnessOf(device)));
  const spec = opts.spec ?? MINILM_L6;
  const batch = opts.batch ?? ENCODE_SHAPE.batch;
  const seq = opts.seq ?? ENCODE_SHAPE.seq;
  const n = opts.sentences ?? ENCODE_SHAPE.sentences;
  const name = encodeCaseName(batch, seq, spec);
  if (!(await ready(suite, device, [name], true))) return suite;
  suite.add(
    name,
    'sentences/s',
    n,
    () => {
      const model = tesseraMiniLM(device, { spec, seed: opts.seed, maxSeqLength: seq });
      const texts = syntheticSentences(n, seq + 32, opts.seed);
      return {
        inputs: model.parameters(),
        run: async () => (await model.encode(texts, { batchSize: batch, showProgressBar: false })).dispose(),
      };
    },
    undefined,
    { memory: device, optIn: true, flops: bertForwardFlops(n, seq, spec) },
  );
  return suite;
}
