import { describe, expect, it } from 'vitest';
import { getBackend, matmul, memory, randn, tensor, tidy } from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import type * as TfCore from '@tensorflow/tfjs-core';
import '@tessera/autograd';
import type { SentenceTransformer } from '@tessera/nn';
import { MultipleNegativesRankingLoss } from '@tessera/losses';
import { benchChartSvg } from '../src/chart.js';
import { BERT_SUITES, bertLayerSuite, encodeSuite, trainStepSuite } from '../src/model/bert.bench.js';
import type { BertSuiteOptions } from '../src/model/bert.bench.js';
import { MINILM_L6, bertForwardFlops, bertParamCount, syntheticIds, syntheticSentences, tesseraMiniLM, trainStepIds } from '../src/model/minilm.js';
import type { MiniLMSpec } from '../src/model/minilm.js';
import { ONE_CALL_NOTE, tfjsBertLayerSuite, tfjsEncodeSuite, tfjsTrainStepSuite } from '../src/peers/tfjs-bert.bench.js';
import { tfMnrl, tfSentenceEmbedding } from '../src/peers/tfjs-bert.js';
import type { TfBertParams } from '../src/peers/tfjs-bert.js';
import { ensureTfjsGradients, tfjsPeer } from '../src/peers/tfjs.js';
import type { Tf } from '../src/peers/tfjs.js';
import { formatProfile, profileBackend } from '../src/profile.js';
import { Suite, attachPeers } from '../src/suite.js';
import type { Budget, CaseResult } from '../src/suite.js';
import { fmtBytes, formatFooter, formatTable } from '../src/table.js';

// Wiring on tiny sizes (the real vocab: the encode cases tokenize with bert-base-uncased); no timing assertions.
const TINY: MiniLMSpec = { vocabSize: 30522, hidden: 16, layers: 2, heads: 2, ffn: 32, maxPositions: 64, typeVocab: 2, layerNormEps: 1e-12, dropout: 0.1, initStd: 0.02 };
const budget: Budget = { time: 0, iterations: 2, warmupTime: 0, warmupIterations: 1 };
const opts: BertSuiteOptions = { spec: TINY, batch: 4, seq: 8, pairs: 4, sentences: 6, budget };

async function runAndDispose(suite: Suite) {
  try {
    return await suite.run();
  } finally {
    suite.dispose();
  }
}

describe('model-level case definitions', () => {
  it('MiniLM-L6 has 22.6 M parameters, and a built model has what bertParamCount says', () => {
    expect(bertParamCount(MINILM_L6)).toBe(22_565_376);
    const before = memory().liveTensors;
    const model = tesseraMiniLM('cpu', { spec: TINY });
    const n = model.parameters().reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
    expect(n).toBe(bertParamCount(TINY));
    // Built inside tidy: only the parameters are live (no init temporaries left to the GC).
    expect(memory().liveTensors - before).toBe(model.parameters().length);
    for (const p of model.parameters()) p.dispose();
  });

  it('counts the matmul FLOPs of a forward: dense layers and both attention matmuls', () => {
    // 1 row of 2 tokens, H 4, FFN 8, 1 layer: 2·2·(4·16 + 2·32) + 2·2·1·4·4
    expect(bertForwardFlops(1, 2, { hidden: 4, ffn: 8, layers: 1 })).toBe(2 * 2 * (4 * 16 + 2 * 32) + 2 * 2 * 4 * 4);
    expect(bertForwardFlops(3, 2, { hidden: 4, ffn: 8, layers: 5 })).toBe(15 * bertForwardFlops(1, 2, { hidden: 4, ffn: 8, layers: 1 }));
  });

  it('makes the same synthetic inputs every time: [CLS] … [SEP] rows and long sentences', () => {
    const ids = syntheticIds(2, 5, 7);
    expect([...syntheticIds(2, 5, 7)]).toEqual([...ids]);
    expect([ids[0], ids[4], ids[5], ids[9]]).toEqual([101, 102, 101, 102]);
    const { anchor, positive } = trainStepIds(3, 4);
    expect([...anchor]).not.toEqual([...positive]);
    expect(syntheticSentences(2, 10)[0]!.split(' ')).toHaveLength(10);
  });

  it('the opt-in cases run only with `all` (a filter naming them is not enough); the BERT layer runs by default', async () => {
    for (const build of [() => trainStepSuite('cpu', opts), () => encodeSuite('cpu', opts), () => tfjsTrainStepSuite('cpu', opts), () => tfjsEncodeSuite('cpu', opts)]) {
      const s = await build();
      expect(s.size).toBe(0);
      s.dispose();
    }
    const named = await trainStepSuite('cpu', { ...opts, filter: ['train step'] });
    expect(named.size).toBe(0);
    expect(Suite.skippedOptIn.has(BERT_SUITES.train.cpu)).toBe(true);
    const filtered = await trainStepSuite('cpu', { ...opts, all: true, filter: ['encode'] });
    expect(filtered.size).toBe(0);
    const both = await trainStepSuite('cpu', { ...opts, all: true, filter: ['train step'] });
    expect(both.size).toBe(1);
    both.dispose();
    const all = await encodeSuite('cpu', { ...opts, all: true });
    expect(all.size).toBe(1);
    all.dispose();
    const layer = await bertLayerSuite('cpu', opts);
    expect(layer.size).toBe(1);
    layer.dispose();
  });
});

describe('model-level cases on tiny sizes, Tessera CPU vs tfjs-cpu', () => {
  it('runs the BERT layer, the training step and encode, with their peers, flat tensors and flat memory', async () => {
    const o = { ...opts, all: true };
    const before = memory().liveTensors;
    const measured: CaseResult[] = [];
    for (const build of [bertLayerSuite, tfjsBertLayerSuite, trainStepSuite, tfjsTrainStepSuite, encodeSuite, tfjsEncodeSuite]) {
      measured.push(...(await runAndDispose(await build('cpu', o))));
    }
    expect(memory().liveTensors).toBe(before);
    const rows = attachPeers(measured);
    expect(rows.map((r) => r.suite)).toEqual([
      BERT_SUITES.layer.cpu,
      `tfjs-cpu ${BERT_SUITES.layer.cpu}`,
      BERT_SUITES.train.cpu,
      `tfjs-cpu ${BERT_SUITES.train.cpu}`,
      BERT_SUITES.encode.cpu,
      `tfjs-cpu ${BERT_SUITES.encode.cpu}`,
    ]);
    for (const r of rows) {
      expect(r.error).toBeUndefined();
      expect(`${r.suite}: ${r.leakedTensors}`).toBe(`${r.suite}: 0`);
      expect(r.samples).toBe(2);
    }
    const own = rows.filter((r) => r.peerOf === undefined);
    for (const r of own) {
      expect(r.vsPeer).toBeCloseTo(r.peer!.meanMs / r.meanMs, 10);
      // Memory: sampled over warmup + 2 calls; nothing grows from call 1 to call 3.
      expect(r.memory!.calls).toBe(3);
      expect(r.memory!.peakBytes).toBeGreaterThan(0);
      expect(r.memory!.liveBytesAfterLast).toBe(r.memory!.liveBytesAfterFirst);
    }
    const encode = own.find((r) => r.suite === BERT_SUITES.encode.cpu)!;
    expect(encode.unit).toBe('sentences/s');
    expect(encode.work).toBe(6);
    expect(encode.flops).toBe(bertForwardFlops(6, 8, TINY));
    // A budget given (as here) means no "1 timed call" note on the tfjs-cpu rows.
    expect(rows.some((r) => r.note === ONE_CALL_NOTE)).toBe(false);

    const table = formatTable(rows);
    expect(table.split('\n')[0]).toMatch(/samples │ +peak mem │ vs peer$/);
    expect(table).toContain('sentences/s');
    const footer = formatFooter(rows).join('\n');
    expect(footer).toContain('Tessera memory');
    expect(footer).toMatch(/train step MiniLM-L2 MNRL\+AdamW 4 pairs x 8 tok \[cpu\]: peak .* \(no growth\)/);
  });

  it('tfjs computes the same embeddings, loss and gradients as Tessera for the same parameters', async () => {
    const peer = (await tfjsPeer('cpu'))!;
    await ensureTfjsGradients();
    const { tf } = peer;
    const spec: MiniLMSpec = { ...TINY, dropout: 0 };
    const model = tesseraMiniLM('cpu', { spec, seed: 3 });
    model.train();
    const loss = new MultipleNegativesRankingLoss(model, { scale: 20 });
    const { anchor, positive } = trainStepIds(3, 6, 1, spec.vocabSize);
    const mask = new Int32Array(18).fill(1);
    mask.fill(0, 15); // padding at the end of the last row of both columns
    const feats = [anchor, positive].map((ids) => ({ inputIds: tensor(ids, { dtype: 'int32', shape: [3, 6] }), attentionMask: tensor(mask, { dtype: 'int32', shape: [3, 6] }) }));
    const value = loss.forward(feats);
    value.backward();
    const gradOf = (suffix: string) => (model.namedParameters().find(([n]) => n.endsWith(suffix))![1] as Tensor).grad!;
    const query0 = gradOf('encoder.layer.0.attention.self.query.weight');
    const words = gradOf('embeddings.word_embeddings.weight');

    const { params, variables } = tfParamsFrom(tf, model);
    const vars = [params.layers[0]!.query.w as TfCore.Variable, params.word as TfCore.Variable];
    const tfIds = (ids: Int32Array) => tf.tensor2d(ids, [3, 6], 'int32');
    const tfMask = tf.tensor2d(mask, [3, 6], 'int32');
    const f = { spec, dropout: 0 };
    const { value: tfValue, grads } = tf.variableGrads(
      () => tfMnrl(tf, tfSentenceEmbedding(tf, params, tfIds(anchor), tfMask, f), tfSentenceEmbedding(tf, params, tfIds(positive), tfMask, f), 20) as TfCore.Scalar,
      vars,
    );
    expect(Math.abs((tfValue.dataSync()[0] as number) - Number(value.dataSync()[0]))).toBeLessThan(1e-5);
    // tfjs stores Dense weights [in, out]: its gradient is the transpose of Tessera's [out, in]. The word
    // table's gradient (tfjs: the scatterND of embeddingLookup) has rows only at the ids used.
    const pairs: [Float32Array, Float32Array][] = [
      [tf.transpose(grads[vars[0]!.name]!).dataSync() as Float32Array, query0.dataSync() as Float32Array],
      [grads[vars[1]!.name]!.dataSync() as Float32Array, words.dataSync() as Float32Array],
    ];
    for (const [g, t] of pairs) {
      const scale = t.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      expect(scale).toBeGreaterThan(0);
      let worst = 0;
      for (let i = 0; i < t.length; i++) worst = Math.max(worst, Math.abs(g[i]! - t[i]!));
      expect(worst).toBeLessThan(1e-4 * Math.max(1, scale));
    }
    for (const x of [...variables, tfValue, ...Object.values(grads), tfMask]) x.dispose();
    for (const fe of feats) for (const x of [fe.inputIds, fe.attentionMask]) x.dispose();
    value.dispose();
    for (const p of model.parameters()) {
      p.grad?.dispose();
      p.dispose();
    }
  });
});

/** Tessera's parameters as tfjs variables (Dense weights transposed to [in, out]). */
function tfParamsFrom(tf: Tf, model: SentenceTransformer): { params: TfBertParams; variables: TfCore.Variable[] } {
  const named = new Map(model.namedParameters().map(([n, p]) => [n.replace(/^0\.auto_model\./, ''), p]));
  const variables: TfCore.Variable[] = [];
  const get = (n: string, transpose = false) => {
    const p = named.get(n)!;
    const v = tf.tidy(() => {
      const t = tf.tensor(p.dataSync() as Float32Array, p.shape as number[]);
      return tf.variable(transpose ? tf.transpose(t) : t);
    });
    variables.push(v);
    return v;
  };
  const dense = (n: string) => ({ w: get(`${n}.weight`, true), b: get(`${n}.bias`) });
  const norm = (n: string) => ({ g: get(`${n}.weight`), b: get(`${n}.bias`) });
  const layers = [];
  for (let i = 0; named.has(`encoder.layer.${i}.attention.self.query.weight`); i++) {
    const l = `encoder.layer.${i}`;
    layers.push({
      query: dense(`${l}.attention.self.query`),
      key: dense(`${l}.attention.self.key`),
      value: dense(`${l}.attention.self.value`),
      attnOut: dense(`${l}.attention.output.dense`),
      attnNorm: norm(`${l}.attention.output.LayerNorm`),
      intermediate: dense(`${l}.intermediate.dense`),
      output: dense(`${l}.output.dense`),
      outNorm: norm(`${l}.output.LayerNorm`),
    });
  }
  const params = {
    word: get('embeddings.word_embeddings.weight'),
    position: get('embeddings.position_embeddings.weight'),
    tokenType: get('embeddings.token_type_embeddings.weight'),
    embNorm: norm('embeddings.LayerNorm'),
    layers,
  };
  return { params, variables };
}

describe('chart, table helpers and the kernel profile', () => {
  const row = (suite: string, c: string, meanMs: number, extra: Partial<CaseResult> = {}): CaseResult => ({
    suite, case: c, library: 'tessera', device: 'cpu', meanMs, rmePct: 1, minMs: meanMs, p50Ms: meanMs, maxMs: meanMs,
    samples: 3, throughput: 10, unit: 'GFLOP/s', work: 1e9, leakedTensors: 0, ...extra,
  });

  it('draws one ratio bar per compared row and a GFLOP/s pair per row with FLOPs', () => {
    const rows = attachPeers([
      row('train step', 'a & b', 100),
      row('tfjs-cpu train step', 'a & b', 400, { library: 'tfjs-cpu', peerOf: { suite: 'train step', case: 'a & b' } }),
      row('encode', 'e', 50, { unit: 'sentences/s', flops: 5e9 }),
      row('tfjs-cpu encode', 'e', 25, { library: 'tfjs-cpu', unit: 'sentences/s', flops: 5e9, peerOf: { suite: 'encode', case: 'e' } }),
      row('norm', 'n', 1, { unit: 'GB/s' }),
    ]);
    const svg = benchChartSvg(rows, { title: 'T', subtitle: 'S' });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('train step · a &amp; b');
    expect(svg).toContain('4.00× vs tfjs-cpu');
    expect(svg).toContain('0.50× vs tfjs-cpu');
    expect(svg).toContain('>100<'); // encode: 5e9 FLOPs in 50 ms
    expect(svg).toContain('>200 tfjs-cpu<');
    expect(svg).not.toContain('norm · n');
    expect(benchChartSvg([])).toContain('No row with a peer');
  });

  it('formats bytes', () => {
    expect(fmtBytes(512)).toBe('512 B');
    expect(fmtBytes(3 * 2 ** 20)).toBe('3.0 MiB');
    expect(fmtBytes(6.3 * 2 ** 30)).toBe('6.30 GiB');
    expect(fmtBytes(2048, true)).toBe('+2.0 KiB');
    expect(fmtBytes(-2048)).toBe('-2.0 KiB');
  });

  it('profiles the CPU kernels by name and matmul shape, then restores the backend', () => {
    const backend = getBackend('cpu');
    const matmulBefore = backend.matmul;
    const p = profileBackend('cpu');
    tidy(() => {
      const a = randn([8, 4]);
      const b = randn([6, 4]);
      matmul(a, b.T).add(1);
    });
    const rows = p.stop();
    expect(backend.matmul).toBe(matmulBefore);
    expect(rows.map((r) => r.kernel)).toContain('matmul [8x4]@[4x6] a b^T');
    expect(rows.find((r) => r.kernel === 'binary add')?.calls).toBe(1);
    expect(rows.reduce((a, r) => a + r.pct, 0)).toBeCloseTo(100, 6);
    expect(formatProfile(rows)).toContain('ms in kernels');
  });
});
