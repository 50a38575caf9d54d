import { layerNorm, manualSeed, randn, softmax } from '@tessera/tensor';
import { F32, Suite } from '../suite.js';
import type { Budget, SuiteOptions } from '../suite.js';

const BUDGET: Budget = { time: 1000, iterations: 10, warmupTime: 200, warmupIterations: 3 };

export interface NormSuiteOptions extends SuiteOptions {
  /** `[rows, features]`; both ops normalize over the last dim. Default [2048, 384]. */
  shape?: readonly [number, number];
  seed?: number;
}

/** Default `[rows, features]` of the norm cases (a transformer's activations: 2048 tokens, d_model 384). */
export const NORM_SHAPE: readonly [number, number] = [2048, 384];

export function softmaxCaseName(rows: number, cols: number): string {
  return `softmax f32 [${rows}, ${cols}] dim=-1`;
}

export function layerNormCaseName(rows: number, cols: number): string {
  return `layerNorm f32 [${rows}, ${cols}] +weight +bias`;
}

/** Bytes of softmax's minimum traffic: read x, write the output. */
export function softmaxBytes(rows: number, cols: number): number {
  return 2 * rows * cols * F32;
}

/** Bytes of layerNorm's minimum traffic: read x, weight and bias; write the output and the per-row mean and rstd. */
export function layerNormBytes(rows: number, cols: number): number {
  return (2 * rows * cols + 2 * cols + 2 * rows) * F32;
}

/**
 * Row normalizations on CPU float32: softmax over the last dim and layerNorm with weight and bias.
 * Throughput in GB/s of the minimum traffic: read x once, write the output once (layerNorm also reads
 * weight and bias and writes the per-row mean and rstd it saves for backward).
 */
export function normSuite(opts: NormSuiteOptions = {}): Suite {
  const suite = new Suite('norm', BUDGET, opts);
  const [rows, cols] = opts.shape ?? NORM_SHAPE;
  const seed = opts.seed ?? 0;

  suite.add(softmaxCaseName(rows, cols), 'GB/s', softmaxBytes(rows, cols), () => {
    manualSeed(seed);
    const x = randn([rows, cols], { device: 'cpu' });
    return { inputs: [x], run: () => softmax(x, -1) };
  });

  suite.add(layerNormCaseName(rows, cols), 'GB/s', layerNormBytes(rows, cols), () => {
    manualSeed(seed + 1);
    const x = randn([rows, cols], { device: 'cpu' });
    const weight = randn([cols], { device: 'cpu' });
    const bias = randn([cols], { device: 'cpu' });
    return { inputs: [x, weight, bias], run: () => layerNorm(x, [cols], weight, bias) };
  });
  return suite;
}
