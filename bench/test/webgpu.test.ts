import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { manualSeed, matmul, memory, randn, syncWebGPU } from '@tessera/tensor';
import { CONCURRENT_CASE, CONCURRENT_SUITE, SEQUENTIAL_CASE, concurrentSuite } from '../src/concurrent/concurrent.bench.js';
import { BERT_SUITES, bertLayerSuite, encodeSuite, trainStepSuite } from '../src/model/bert.bench.js';
import type { BertSuiteOptions } from '../src/model/bert.bench.js';
import type { MiniLMSpec } from '../src/model/minilm.js';
import { tfjsBertLayerSuite, tfjsEncodeSuite, tfjsTrainStepSuite } from '../src/peers/tfjs-bert.bench.js';
import { attachPeers } from '../src/suite.js';
import type { CaseResult } from '../src/suite.js';
import { webgpuMatmulSuite } from '../src/webgpu/matmul.bench.js';
import { webgpuNormSuite } from '../src/webgpu/norm.bench.js';
import { ensureWebGPU } from '../src/webgpu/setup.js';
import type { Budget, Suite } from '../src/suite.js';

// The bench's WebGPU path: navigator.gpu from Dawn (shared with tfjs-webgpu), then initWebGPU().
// Without an adapter these tests are skipped with one loud line, except under CI=true, where they fail:
// CI installs lavapipe, so a missing adapter there is a broken machine, not a reason to skip.
const gpu = await ensureWebGPU();
const inCI = process.env.CI === 'true';
if (!gpu.ok && !inCI) {
  console.warn(`!!! SKIPPING the bench WebGPU smoke tests: initWebGPU() failed: ${gpu.reason} (with CI=true this fails)`);
}
const itGpu = it.skipIf(!gpu.ok && !inCI);

function requireGpu(): void {
  if (!gpu.ok) throw new Error(`initWebGPU() failed under CI=true: ${gpu.reason}`);
}

const tiny: Budget = { time: 0, iterations: 1, warmupTime: 0, warmupIterations: 0 };

async function runAndDispose(suite: Suite) {
  try {
    return await suite.run();
  } finally {
    suite.dispose();
  }
}

describe('bench on webgpu', () => {
  itGpu('matmul 8x8x8 on webgpu equals the cpu result within 1e-5', async () => {
    requireGpu();
    const before = memory().liveTensors;
    manualSeed(7);
    const a = randn([8, 8]);
    const b = randn([8, 8]);
    const expected = matmul(a, b);
    const ga = a.to('webgpu');
    const gb = b.to('webgpu');
    const got = matmul(ga, gb);
    expect(got.device).toBe('webgpu');
    await syncWebGPU();
    const g = await got.data();
    const e = expected.dataSync();
    expect(g.length).toBe(64);
    for (let i = 0; i < 64; i++) expect(Math.abs(Number(g[i]) - Number(e[i]))).toBeLessThanOrEqual(1e-5);
    for (const t of [a, b, expected, ga, gb, got]) t.dispose();
    expect(memory().liveTensors).toBe(before);
  });

  itGpu('runs the WebGPU matmul and norm suites on tiny shapes with flat memory', async () => {
    requireGpu();
    const results = [
      ...(await runAndDispose(await webgpuMatmulSuite({ sizes: [{ m: 8, k: 8, n: 8 }], budget: tiny }))),
      ...(await runAndDispose(await webgpuNormSuite({ shape: [4, 8], budget: tiny }))),
    ];
    expect(results.map((r) => `${r.suite} ${r.case}`)).toEqual([
      'webgpu matmul f32 8x8x8',
      'webgpu norm softmax f32 [4, 8] dim=-1',
      'webgpu norm layerNorm f32 [4, 8] +weight +bias',
    ]);
    for (const r of results) {
      expect(r.error).toBeUndefined();
      expect(r.library).toBe('tessera');
      expect(r.device).toBe('webgpu');
      expect(r.samples).toBeGreaterThanOrEqual(1);
      expect(r.leakedTensors).toBe(0);
    }
  });

  const TINY: MiniLMSpec = { vocabSize: 30522, hidden: 16, layers: 2, heads: 2, ffn: 32, maxPositions: 64, typeVocab: 2, layerNormEps: 1e-12, dropout: 0.1, initStd: 0.02 };
  const model: BertSuiteOptions = { spec: TINY, batch: 4, seq: 8, pairs: 4, sentences: 6, all: true, budget: { time: 0, iterations: 2, warmupTime: 0, warmupIterations: 1 } };

  itGpu('runs the model-level cases on webgpu against tfjs-webgpu on tiny sizes, memory flat', async () => {
    requireGpu();
    const measured: CaseResult[] = [];
    for (const build of [bertLayerSuite, tfjsBertLayerSuite, trainStepSuite, tfjsTrainStepSuite, encodeSuite, tfjsEncodeSuite]) {
      measured.push(...(await runAndDispose(await build('webgpu', model))));
    }
    const rows = attachPeers(measured);
    expect(rows.map((r) => r.suite)).toEqual([
      BERT_SUITES.layer.webgpu,
      'tfjs-webgpu bert layer',
      BERT_SUITES.train.webgpu,
      'tfjs-webgpu train step',
      BERT_SUITES.encode.webgpu,
      'tfjs-webgpu encode',
    ]);
    for (const r of rows) {
      expect(r.error).toBeUndefined();
      expect(r.leakedTensors).toBe(0);
    }
    for (const r of rows.filter((x) => x.peerOf === undefined)) {
      expect(r.device).toBe('webgpu');
      expect(r.peer?.library).toBe('tfjs-webgpu');
      expect(r.memory!.device).toBe('webgpu');
      expect(r.memory!.liveBytesAfterLast).toBe(r.memory!.liveBytesAfterFirst);
    }
  }, 300_000);

  itGpu('runs a CPU training step in a worker beside a WebGPU step, and the two one after the other', async () => {
    requireGpu();
    // The worker runs compiled JavaScript: build the bench first (as `pnpm bench` does).
    const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
    spawnSync(process.execPath, [tsc, '-p', fileURLToPath(new URL('../tsconfig.build.json', import.meta.url))], { stdio: 'inherit' });
    const before = memory('webgpu').liveTensors;
    const rows = attachPeers(await runAndDispose(await concurrentSuite({ ...model, budget: { time: 0, iterations: 1, warmupTime: 0, warmupIterations: 0 } })));
    expect(rows.map((r) => `${r.suite} ${r.case} ${r.library}`)).toEqual([
      `${CONCURRENT_SUITE} ${CONCURRENT_CASE} tessera`,
      `${CONCURRENT_SUITE} ${SEQUENTIAL_CASE} sequential`,
    ]);
    const [together, apart] = rows as [CaseResult, CaseResult];
    for (const r of rows) expect(r.error).toBeUndefined();
    expect(together.vsPeer).toBeCloseTo(apart.meanMs / together.meanMs, 10);
    for (const k of ['cpu step ms (worker)', 'webgpu step ms', 'main event-loop max delay ms']) expect(together.details![k]).toBeGreaterThan(0);
    for (const k of ['cpu step ms (worker)', 'webgpu step ms']) expect(apart.details![k]).toBeGreaterThan(0);
    expect(memory('webgpu').liveTensors).toBe(before);
  }, 300_000);
});
