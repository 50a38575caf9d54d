/**
 * The tfjs peer of the model-level cases (../model/bert.bench.ts): the same computation written in tfjs
 * ops (./tfjs-bert.ts), same names, tied (`peerOf`) to Tessera's row on the same device.
 *
 * tfjs-cpu (pure JS) takes minutes per training step and a minute or more per BERT layer or encode
 * call here: those run ONE timed call without warmup (their rows say so).
 */
import { BERT_BUDGETS, BERT_SUITES } from '../model/bert.bench.js';
import type { BertSuiteOptions } from '../model/bert.bench.js';
import { BERT_LAYER_SHAPE, ENCODE_SHAPE, MINILM_L6, TRAIN_STEP_SHAPE, bertForwardFlops, bertLayerCaseName, encodeCaseName, syntheticSentences, trainStepCaseName } from '../model/minilm.js';
import { Suite, awaitingHarness } from '../suite.js';
import type { Budget } from '../suite.js';
import { TfjsTrainStep, tfjsBertLayer, tfjsEncoder } from './tfjs-bert.js';
import { ensureTfjsGradients, tfjsPeer } from './tfjs.js';
import type { TfjsDevice, TfjsPeer } from './tfjs.js';

/** One call, no warmup: for the tfjs-cpu cases that take a minute or more (the JIT warms up within the call). */
const ONE_CALL: Budget = { time: 0, iterations: 1, warmupTime: 0, warmupIterations: 0 };
export const ONE_CALL_NOTE = '1 timed call, no warmup (tfjs-cpu takes a minute or more per call)';

const BUDGETS = {
  layer: { cpu: ONE_CALL, webgpu: BERT_BUDGETS.layer },
  train: { cpu: ONE_CALL, webgpu: BERT_BUDGETS.train },
  encode: { cpu: ONE_CALL, webgpu: BERT_BUDGETS.encode },
} as const satisfies Record<string, Record<TfjsDevice, Budget>>;

/** The suite, and the peer when some case passes the filter and tfjs runs on `device` (null otherwise). */
async function peerSuite(kind: keyof typeof BUDGETS, device: TfjsDevice, caseName: string, optIn: boolean, opts: BertSuiteOptions): Promise<{ suite: Suite; peer: TfjsPeer | null }> {
  const name = `tfjs-${device} ${BERT_SUITES[kind].cpu}`;
  const empty = new Suite(name, BUDGETS[kind][device], opts);
  if (!empty.wantsAny([caseName], BERT_SUITES[kind][device], optIn)) return { suite: empty, peer: null };
  const peer = await tfjsPeer(device);
  if (!peer) return { suite: empty, peer: null };
  if (kind !== 'encode') await ensureTfjsGradients();
  const harness = kind === 'encode' ? awaitingHarness(peer.harness) : peer.harness;
  return { suite: new Suite(name, BUDGETS[kind][device], opts, harness), peer };
}

/** tfjs BERT layer forward + backward (`tf.grads` with the upstream gradient). */
export async function tfjsBertLayerSuite(device: TfjsDevice, opts: BertSuiteOptions = {}): Promise<Suite> {
  const spec = opts.spec ?? MINILM_L6;
  const batch = opts.batch ?? BERT_LAYER_SHAPE.batch;
  const seq = opts.seq ?? BERT_LAYER_SHAPE.seq;
  const c = bertLayerCaseName(batch, seq, spec);
  const { suite, peer } = await peerSuite('layer', device, c, false, opts);
  if (!peer) return suite;
  suite.add(
    c,
    'GFLOP/s',
    3 * bertForwardFlops(batch, seq, spec, 1),
    () => {
      const l = tfjsBertLayer(peer.tf, { spec, batch, seq, seed: opts.seed });
      return { inputs: l.inputs, run: l.run };
    },
    { suite: BERT_SUITES.layer[device], case: c },
    device === 'cpu' && !opts.budget ? { note: ONE_CALL_NOTE } : {},
  );
  return suite;
}

/** tfjs training step (`tf.variableGrads` + AdamW on variables). Opt-in. */
export async function tfjsTrainStepSuite(device: TfjsDevice, opts: BertSuiteOptions = {}): Promise<Suite> {
  const spec = opts.spec ?? MINILM_L6;
  const pairs = opts.pairs ?? TRAIN_STEP_SHAPE.pairs;
  const seq = opts.seq ?? TRAIN_STEP_SHAPE.seq;
  const c = trainStepCaseName(pairs, seq, spec);
  const { suite, peer } = await peerSuite('train', device, c, true, opts);
  if (!peer) return suite;
  suite.add(
    c,
    'GFLOP/s',
    3 * bertForwardFlops(2 * pairs, seq, spec),
    () => {
      const step = new TfjsTrainStep(peer.tf, { spec, pairs, seq, seed: opts.seed });
      return { inputs: [{ dispose: () => step.dispose() }], run: () => step.step() };
    },
    { suite: BERT_SUITES.train[device], case: c },
    { optIn: true, ...(device === 'cpu' && !opts.budget ? { note: ONE_CALL_NOTE } : {}) },
  );
  return suite;
}

/** tfjs encode: same tokenizer, forward + mean pooling, read back. Opt-in. */
export async function tfjsEncodeSuite(device: TfjsDevice, opts: BertSuiteOptions = {}): Promise<Suite> {
  const spec = opts.spec ?? MINILM_L6;
  const batch = opts.batch ?? ENCODE_SHAPE.batch;
  const seq = opts.seq ?? ENCODE_SHAPE.seq;
  const n = opts.sentences ?? ENCODE_SHAPE.sentences;
  const c = encodeCaseName(batch, seq, spec);
  const { suite, peer } = await peerSuite('encode', device, c, true, opts);
  if (!peer) return suite;
  suite.add(
    c,
    'sentences/s',
    n,
    () => {
      const enc = tfjsEncoder(peer.tf, { spec, seq, batch, seed: opts.seed });
      const texts = syntheticSentences(n, seq + 32, opts.seed);
      return { inputs: enc.inputs, run: () => enc.encode(texts) };
    },
    { suite: BERT_SUITES.encode[device], case: c },
    { optIn: true, flops: bertForwardFlops(n, seq, spec), ...(device === 'cpu' && !opts.budget ? { note: ONE_CALL_NOTE } : {}) },
  );
  return suite;
}
