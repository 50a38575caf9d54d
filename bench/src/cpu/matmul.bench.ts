import { getNumThreads, manualSeed, matmul, randn, withNumThreads } from '@tessera/tensor';
import { Suite } from '../suite.js';
import type { Budget, SuiteOptions } from '../suite.js';

/** `[m, k] @ [k, n]`. */
export interface MatmulSize {
  m: number;
  k: number;
  n: number;
}

export const MATMUL_SIZES: readonly MatmulSize[] = [
  { m: 256, k: 256, n: 256 },
  { m: 512, k: 512, n: 512 },
  { m: 1024, k: 1024, n: 1024 },
  // A transformer-ish projection: 2048 tokens, d_model 384, 4x MLP width.
  { m: 2048, k: 384, n: 1536 },
];

// 1024³ takes ~30 ms a call on 2 threads (WebAssembly SIMD kernels; the JS kernel took ~0.5 s).
const BUDGET: Budget = { time: 1500, iterations: 8, warmupTime: 200, warmupIterations: 2 };

export interface MatmulSuiteOptions extends SuiteOptions {
  sizes?: readonly MatmulSize[];
  seed?: number;
}

/** `f32 MxKxN`, e.g. `f32 1024x1024x1024` (typeable as a filter: `pnpm bench -- 1024x`). */
export function matmulCaseName({ m, k, n }: MatmulSize): string {
  return `f32 ${m}x${k}x${n}`;
}

/** Sizes that also get a single-thread row (`... threads=1`) when matmul runs on several threads. */
export const MATMUL_THREAD_SIZES: readonly MatmulSize[] = [{ m: 1024, k: 1024, n: 1024 }];

/**
 * CPU float32 matmul; throughput in GFLOP/s (2·m·k·n per call). Rows run on `getNumThreads()`
 * threads (the default: all cores); `threads=1` rows show the single-thread kernel.
 */
export function matmulSuite(opts: MatmulSuiteOptions = {}): Suite {
  const suite = new Suite('matmul', BUDGET, opts);
  const seed = opts.seed ?? 0;
  const sizes = opts.sizes ?? MATMUL_SIZES;
  for (const size of sizes) {
    const { m, k, n } = size;
    suite.add(matmulCaseName(size), 'GFLOP/s', 2 * m * k * n, () => {
      manualSeed(seed);
      const a = randn([m, k], { device: 'cpu' });
      const b = randn([k, n], { device: 'cpu' });
      return { inputs: [a, b], run: () => matmul(a, b) };
    });
  }
  if (getNumThreads() > 1) {
    for (const size of opts.sizes ? [] : MATMUL_THREAD_SIZES) {
      const { m, k, n } = size;
      suite.add(`${matmulCaseName(size)} threads=1`, 'GFLOP/s', 2 * m * k * n, () => {
        manualSeed(seed);
        const a = randn([m, k], { device: 'cpu' });
        const b = randn([k, n], { device: 'cpu' });
        return { inputs: [a, b], run: () => withNumThreads(1, () => matmul(a, b)) };
      });
    }
  }
  return suite;
}
