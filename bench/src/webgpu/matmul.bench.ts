import { manualSeed, matmul, randn } from '@tessera/tensor';
import { MATMUL_SIZES, matmulCaseName } from '../cpu/matmul.bench.js';
import type { MatmulSuiteOptions } from '../cpu/matmul.bench.js';
import { Suite } from '../suite.js';
import type { Budget } from '../suite.js';
import { TESSERA_WEBGPU, webgpuReady } from './setup.js';

export const WEBGPU_MATMUL_SUITE = 'webgpu matmul';

// On lavapipe (software Vulkan on 2 cores) 1024³ takes ~0.4 s a call: the iteration minimum bounds the big
// cases. Two warmup calls: the first compiles the pipeline.
const BUDGET: Budget = { time: 2000, iterations: 3, warmupTime: 0, warmupIterations: 2 };

/**
 * Tessera WebGPU float32 matmul (same cases as the CPU suite); throughput in GFLOP/s. Inputs are made once
 * on 'webgpu'; each timed call queues the matmul inside `tidy` and waits with `syncWebGPU()`.
 * Empty (and one line printed) when `initWebGPU()` fails.
 */
export async function webgpuMatmulSuite(opts: MatmulSuiteOptions = {}): Promise<Suite> {
  const suite = new Suite(WEBGPU_MATMUL_SUITE, BUDGET, opts, TESSERA_WEBGPU);
  const sizes = opts.sizes ?? MATMUL_SIZES;
  if (!suite.wantsAny(sizes.map(matmulCaseName)) || !(await webgpuReady())) return suite;
  const seed = opts.seed ?? 0;
  for (const size of sizes) {
    const { m, k, n } = size;
    suite.add(matmulCaseName(size), 'GFLOP/s', 2 * m * k * n, () => {
      manualSeed(seed);
      const a = randn([m, k], { device: 'webgpu' });
      const b = randn([k, n], { device: 'webgpu' });
      return { inputs: [a, b], run: () => matmul(a, b) };
    });
  }
  return suite;
}
