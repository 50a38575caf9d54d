import { layerNorm, manualSeed, randn, softmax } from '@tessera/tensor';
import { NORM_SHAPE, layerNormBytes, layerNormCaseName, softmaxBytes, softmaxCaseName } from '../cpu/norm.bench.js';
import type { NormSuiteOptions } from '../cpu/norm.bench.js';
import { Suite } from '../suite.js';
import type { Budget } from '../suite.js';
import { TESSERA_WEBGPU, webgpuReady } from './setup.js';

export const WEBGPU_NORM_SUITE = 'webgpu norm';

const BUDGET: Budget = { time: 1500, iterations: 3, warmupTime: 200, warmupIterations: 2 };

/**
 * Tessera WebGPU float32 softmax over the last dim and layerNorm (weight + bias), same cases and GB/s as
 * the CPU norm suite. Empty (and one line printed) when `initWebGPU()` fails.
 */
export async function webgpuNormSuite(opts: NormSuiteOptions = {}): Promise<Suite> {
  const suite = new Suite(WEBGPU_NORM_SUITE, BUDGET, opts, TESSERA_WEBGPU);
  const [rows, cols] = opts.shape ?? NORM_SHAPE;
  if (!suite.wantsAny([softmaxCaseName(rows, cols), layerNormCaseName(rows, cols)]) || !(await webgpuReady())) return suite;
  const seed = opts.seed ?? 0;

  suite.add(softmaxCaseName(rows, cols), 'GB/s', softmaxBytes(rows, cols), () => {
    manualSeed(seed);
    const x = randn([rows, cols], { device: 'webgpu' });
    return { inputs: [x], run: () => softmax(x, -1) };
  });

  suite.add(layerNormCaseName(rows, cols), 'GB/s', layerNormBytes(rows, cols), () => {
    manualSeed(seed + 1);
    const x = randn([rows, cols], { device: 'webgpu' });
    const weight = randn([cols], { device: 'webgpu' });
    const bias = randn([cols], { device: 'webgpu' });
    return { inputs: [x, weight, bias], run: () => layerNorm(x, [cols], weight, bias) };
  });
  return suite;
}
