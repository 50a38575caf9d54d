import { describe, expect, it } from 'vitest';
import { memory } from '@tessera/tensor';
import { matmulSuite } from '../src/cpu/matmul.bench.js';
import { normSuite } from '../src/cpu/norm.bench.js';
import { elementwiseSuite } from '../src/cpu/elementwise.bench.js';
import { tfjsMatmulSuite, tfjsNormSuite } from '../src/peers/tfjs.bench.js';
import { attachPeers } from '../src/suite.js';
import type { Budget, CaseResult, Suite } from '../src/suite.js';
import { fmtRatio, formatTable } from '../src/table.js';

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
    expect(table.split('\n')[0]).toMatch(/suite.*case.*mean \(ms\).*rme.*throughput.*samples.*vs peer/);
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

  it('runs the tfjs-cpu peer on tiny shapes, tied to the Tessera CPU cases', async () => {
    const cpu = [
      ...(await runAndDispose(matmulSuite({ sizes: [{ m: 8, k: 8, n: 8 }], budget: tiny }))),
      ...(await runAndDispose(normSuite({ shape: [4, 8], budget: tiny }))),
    ];
    const peer = [
      ...(await runAndDispose(await tfjsMatmulSuite('cpu', { sizes: [{ m: 8, k: 8, n: 8 }], budget: tiny }))),
      ...(await runAndDispose(await tfjsNormSuite('cpu', { shape: [4, 8], budget: tiny }))),
    ];
    expect(peer.map((r) => `${r.suite} ${r.case}`)).toEqual([
      'tfjs-cpu matmul f32 8x8x8',
      'tfjs-cpu norm softmax f32 [4, 8] dim=-1',
      'tfjs-cpu norm layerNorm f32 [4, 8] +weight +bias',
    ]);
    for (const r of peer) {
      expect(r.error).toBeUndefined();
      expect(r.library).toBe('tfjs-cpu');
      expect(r.leakedTensors).toBe(0);
    }
    const rows = attachPeers([...cpu, ...peer]);
    expect(rows.map((r) => r.suite)).toEqual(['matmul', 'tfjs-cpu matmul', 'norm', 'tfjs-cpu norm', 'norm', 'tfjs-cpu norm']);
    for (const r of rows.filter((x) => x.peerOf === undefined)) {
      expect(r.peer?.library).toBe('tfjs-cpu');
      expect(r.vsPeer).toBeCloseTo(r.peer!.meanMs / r.meanMs, 10);
    }
  });

  it('pairs peer rows with their Tessera rows and prints the ratio as a speed ratio', () => {
    const row = (suite: string, c: string, meanMs: number, extra: Partial<CaseResult> = {}): CaseResult => ({
      suite, case: c, library: 'tessera', device: 'webgpu', meanMs, rmePct: 1, minMs: meanMs, p50Ms: meanMs, maxMs: meanMs,
      samples: 3, throughput: 1, unit: 'GFLOP/s', work: 1, leakedTensors: 0, ...extra,
    });
    const rows = attachPeers([
      row('webgpu matmul', 'f32 8x8x8', 10),
      row('webgpu matmul', 'f32 16x16x16', 40),
      row('tfjs-webgpu matmul', 'f32 16x16x16', 10, { library: 'tfjs-webgpu', peerOf: { suite: 'webgpu matmul', case: 'f32 16x16x16' } }),
      row('tfjs-webgpu matmul', 'f32 8x8x8', 25, { library: 'tfjs-webgpu', peerOf: { suite: 'webgpu matmul', case: 'f32 8x8x8' } }),
      row('tfjs-webgpu matmul', 'f32 4x4x4', 1, { library: 'tfjs-webgpu', peerOf: { suite: 'webgpu matmul', case: 'f32 4x4x4' } }),
    ]);
    expect(rows.map((r) => `${r.suite} ${r.case}`)).toEqual([
      'webgpu matmul f32 8x8x8',
      'tfjs-webgpu matmul f32 8x8x8',
      'webgpu matmul f32 16x16x16',
      'tfjs-webgpu matmul f32 16x16x16',
      'tfjs-webgpu matmul f32 4x4x4',
    ]);
    expect(rows[0]!.vsPeer).toBe(2.5); // peer 25 ms, Tessera 10 ms: Tessera 2.5x faster
    expect(rows[2]!.vsPeer).toBe(0.25);
    const lines = formatTable(rows).split('\n');
    expect(lines[2]).toMatch(/│ 2\.50× tfjs-webgpu$/);
    expect(lines[3]).toMatch(/│ \(peer\)$/);
    expect(lines[4]).toMatch(/│ 0\.25× tfjs-webgpu$/);
    expect(fmtRatio(0.0471)).toBe('0.047×');
    expect(fmtRatio(12.34)).toBe('12.3×');
  });
});
