import { add, manualSeed, randn } from '@tessera/tensor';
import { F32, Suite } from '../suite.js';
import type { Budget, SuiteOptions } from '../suite.js';

const BUDGET: Budget = { time: 1000, iterations: 10, warmupTime: 200, warmupIterations: 3 };

export interface ElementwiseSuiteOptions extends SuiteOptions {
  /** Elements per operand. Default 2^20 ("1M"). */
  size?: number;
  seed?: number;
}

/** Elementwise ops on CPU float32; throughput in GB/s (read both operands, write the output). */
export function elementwiseSuite(opts: ElementwiseSuiteOptions = {}): Suite {
  const suite = new Suite('elementwise', BUDGET, opts);
  const n = opts.size ?? 2 ** 20;
  const seed = opts.seed ?? 0;
  suite.add(`add f32 [${n}] + [${n}]`, 'GB/s', 3 * n * F32, () => {
    manualSeed(seed);
    const a = randn([n], { device: 'cpu' });
    const b = randn([n], { device: 'cpu' });
    return { inputs: [a, b], run: () => add(a, b) };
  });
  return suite;
}
