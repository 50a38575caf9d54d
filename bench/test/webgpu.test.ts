import { describe, expect, it } from 'vitest';
import { manualSeed, matmul, memory, randn, syncWebGPU } from '@tessera/tensor';
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
});
