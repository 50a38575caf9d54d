import { layerNorm, manualSeed, randn, softmax } from '@tessera/tensor';
import { F32, Suite } from '../suite.js';
import type { Budget, SuiteOptions } from '../suite.js';

const BUDGET: Budget = { time: 1000, iterations: 10, warmupTime: 200, warmupIterations: 3 };

export interface NormSuiteOptions extends SuiteOptions {
  /** `[rows, features]`; both ops normalize over the last dim. Default [2048, 384]. */
  shape?: readonly [number, number];
  seed?: number;
}

/**
 * Row normalizations on CPU float32: softmax over the last dim and layerNorm with weight and bias.
 * Throughput in GB/s of the minimum traffic: read x once, write the output once (layerNorm also reads
 * weight and bias and writes the per-row mean and rstd it saves for backward).
 */
export function normSuite(opts: NormSuiteOptions = {}): Suite {
  const suite = new Suite('norm', BUDGET, opts);
  const [rows, cols] = opts.shape ?? [2048, 384];
  const seed = opts.seed ?? 0;
  const n = rows * cols;

  suite.add(`softmax f32 [${rows}, ${cols}] dim=-1`, 'GB/s', 2 * n * F32, () => {
    manualSeed(seed);
    const x = randn([rows, cols], { device: 'cpu' });
    return { inputs: [x], run: () => softmax(x, -1) };
  });

  suite.add(`layerNorm f32 [${rows}, ${cols}] +weight +bias`, 'GB/s', (2 * n + 2 * cols + 2 * rows) * F32, () => {
    manualSeed(seed + 1);
    const x = randn([rows, cols], { device: 'cpu' });
    const weight = randn([cols], { device: 'cpu' });
    const bias = randn([cols], { device: 'cpu' });
    return { inputs: [x, weight, bias], run: () => layerNorm(x, [cols], weight, bias) };
  });
  return suite;
}
