import { describe, expect, it } from 'vitest';
import { memory } from '@tessera/tensor';
import { matmulSuite } from '../src/cpu/matmul.bench.js';
import { normSuite } from '../src/cpu/norm.bench.js';
import { elementwiseSuite } from '../src/cpu/elementwise.bench.js';
import type { Budget, Suite } from '../src/suite.js';
import { formatTable } from '../src/table.js';

// Wiring only: one timed iteration, no warmup, tiny sizes, no timing assertions.
const tiny: Budget = { time: 0, iterations: 1, warmupTime: 0, warmupIterations: 0 };

async function runAndDispose(suite: Suite) {
  try {
    return await suite.run();
  } finally {
    suite.dispose();
  }
}

describe('bench suites', () => {
  it('runs the matmul suite on 8x8x8 and reports GFLOP/s with flat memory', async () => {
    const before = memory().liveTensors;
    const suite = matmulSuite({ sizes: [{ m: 8, k: 8, n: 8 }], budget: tiny });
    expect(suite.size).toBe(1);
    const results = await runAndDispose(suite);
    expect(results).toHaveLength(1);
    const [r] = results;
    expect(r!.error).toBeUndefined();
    expect(r!.suite).toBe('matmul');
    expect(r!.case).toBe('f32 8x8x8');
    expect(r!.unit).toBe('GFLOP/s');
    expect(r!.work).toBe(2 * 8 * 8 * 8);
    expect(r!.samples).toBeGreaterThanOrEqual(1);
    expect(Number.isFinite(r!.throughput)).toBe(true);
    expect(r!.leakedTensors).toBe(0);
    expect(memory().liveTensors).toBe(before);

    const table = formatTable(results);
    expect(table).toContain('GFLOP/s');
    expect(table.split('\n')[0]).toMatch(/suite.*case.*mean \(ms\).*rme.*throughput.*samples/);
  });

  it('runs the norm and elementwise suites on tiny shapes', async () => {
    const results = [
      ...(await runAndDispose(normSuite({ shape: [4, 8], budget: tiny }))),
      ...(await runAndDispose(elementwiseSuite({ size: 16, budget: tiny }))),
    ];
    expect(results.map((r) => r.case)).toEqual(['softmax f32 [4, 8] dim=-1', 'layerNorm f32 [4, 8] +weight +bias', 'add f32 [16] + [16]']);
    for (const r of results) {
      expect(r.error).toBeUndefined();
      expect(r.unit).toBe('GB/s');
      expect(r.leakedTensors).toBe(0);
    }
  });

  it('filters cases by name and makes no inputs for the others', () => {
    const before = memory().liveTensors;
    const none = matmulSuite({ filter: ['softmax'], sizes: [{ m: 8, k: 8, n: 8 }], budget: tiny });
    expect(none.size).toBe(0);
    expect(memory().liveTensors).toBe(before);
    const some = normSuite({ filter: ['LAYERNORM'], shape: [4, 8], budget: tiny });
    expect(some.bench.tasks.map((t) => t.name)).toEqual(['layerNorm f32 [4, 8] +weight +bias']);
    some.dispose();
    expect(memory().liveTensors).toBe(before);
  });
});
