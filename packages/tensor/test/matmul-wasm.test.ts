/**
 * The WebAssembly SIMD / multi-threaded CPU matmul against the JS reference kernel: random shapes
 * (odd sizes, 1-D operands), transposed and strided views, broadcast batches, float32 and float64;
 * identical results for every thread count; worker threads really run items.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Generator, cpuMatmulInfo, getNumThreads, matmul, randn, setCpuMatmulKernel, setNumThreads, tensor, tidy, withNumThreads } from '@tessera/tensor';
import type { DType, Tensor } from '@tessera/tensor';
import { threadStats } from '../src/backends/cpu/threads/pool.js';
import { THREADS_MIN_FLOPS, WASM_MIN_FLOPS } from '../src/backends/cpu/kernels/matmul.js';
import { setArenaLimit, wasmEngine } from '../src/backends/cpu/wasm/engine.js';

const defaultThreads = getNumThreads();
afterEach(() => {
  setCpuMatmulKernel('auto');
  setNumThreads(defaultThreads);
  setArenaLimit();
});
afterAll(() => {
  setNumThreads(1); // stop the workers this file started
  setNumThreads(defaultThreads);
});

type Layout = 'plain' | 'T' | 'strided' | 'Tstrided' | 'expanded';

/** A [...batch, r, c] operand laid out as `layout` (values from `g`). */
function operand(batch: readonly number[], r: number, c: number, layout: Layout, dtype: DType, g: Generator): Tensor {
  const opts = { dtype, generator: g };
  switch (layout) {
    case 'plain':
      return randn([...batch, r, c], opts);
    case 'T':
      return randn([...batch, c, r], opts).mT;
    case 'strided': // every other row, columns offset by one
      return randn([...batch, 2 * r, c + 2], opts)
        .slice(-2, 0, 2 * r, 2)
        .slice(-1, 1, c + 1);
    case 'Tstrided':
      return randn([...batch, c, 2 * r + 1], opts)
        .slice(-1, 1, 2 * r + 1, 2)
        .mT;
    case 'expanded': // a stride-0 row dimension (every row the same)
      return randn([...batch, 1, c], opts).expand(...batch, r, c);
  }
}

function run(kernel: 'wasm' | 'js' | 'auto', f: () => Tensor): Float64Array {
  setCpuMatmulKernel(kernel);
  try {
    return Float64Array.from(tidy(() => f().dataSync()), Number);
  } finally {
    setCpuMatmulKernel('auto');
  }
}

/** |wasm - js| <= rtol * (|a| @ |b|) elementwise (NaN where the reference is NaN). */
function expectAgree(a: Tensor, b: Tensor, rtol: number): void {
  const w = run('wasm', () => matmul(a, b));
  const j = run('js', () => matmul(a, b));
  const bound = run('js', () => matmul(a.abs(), b.abs()));
  expect(w.length).toBe(j.length);
  for (let i = 0; i < j.length; i++) {
    if (Number.isNaN(j[i]!)) {
      expect(w[i], `element ${i}`).toBeNaN();
      continue;
    }
    const tol = rtol * bound[i]! + 1e-30;
    if (!(Math.abs(w[i]! - j[i]!) <= tol)) expect.fail(`element ${i}: wasm ${w[i]} vs js ${j[i]} (tolerance ${tol})`);
  }
}

const layoutArb = fc.constantFrom<Layout>('plain', 'T', 'strided', 'Tstrided');

describe('WebAssembly SIMD matmul', () => {
  it('runs here (Node: WebAssembly SIMD and shared memory)', () => {
    const info = cpuMatmulInfo();
    expect(info.wasm).toBe(true);
    expect(info.threads).toBe(true);
    expect(info.mode).toBe('auto');
    expect(info.numThreads).toBeGreaterThanOrEqual(1);
  });

  it('agrees with the JS kernel on random float32 shapes, layouts and broadcast batches', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 45 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 45 }),
        layoutArb,
        layoutArb,
        fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
        fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
        fc.integer({ min: 0, max: 1000 }),
        (m, k, n, la, lb, batch, bcast, seed) => {
          const g = new Generator(seed);
          // Broadcast: each operand may drop a batch dim to 1 (stride 0 after expand).
          const ba = batch.map((d, i) => (bcast[i] ? 1 : d));
          const bb = batch.map((d, i) => (bcast[i] ? d : 1));
          tidy(() => expectAgree(operand(ba, m, k, la, 'float32', g), operand(bb, k, n, lb, 'float32', g), 1e-5));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('agrees on float64 (f64x2 kernel) to float64 rounding', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 40 }), layoutArb, layoutArb, fc.integer({ min: 0, max: 1000 }), (m, k, n, la, lb, seed) => {
        const g = new Generator(seed);
        tidy(() => expectAgree(operand([2], m, k, la, 'float64', g), operand([], k, n, lb, 'float64', g), 1e-13));
      }),
      { numRuns: 30 },
    );
  });

  it('handles sizes across the blocking boundaries (k > 256, n > 2048 columns, many row blocks)', () => {
    const g = new Generator(5);
    tidy(() => {
      expectAgree(randn([197, 517], { generator: g }), randn([517, 45], { generator: g }), 1e-5);
      expectAgree(randn([9, 33], { generator: g }), randn([33, 2100], { generator: g }), 1e-5);
      expectAgree(randn([3, 130, 70], { generator: g }), randn([6, 70, 19], { generator: g }).slice(0, 0, 6, 2), 1e-5);
    });
  });

  it('splits products larger than the arena into chunks, with identical results', () => {
    const g = new Generator(21);
    tidy(() => {
      const cases: Array<[Tensor, Tensor, number]> = [
        // Batch groups (each item fits, the batch does not).
        [randn([6, 40, 50], { generator: g }), randn([6, 50, 30], { generator: g }).mT.contiguous().mT, 40_000],
        // Row and column ranges of one item (its B panel alone exceeds the arena).
        [randn([200, 60], { generator: g }), randn([60, 700], { generator: g }), 64_000],
        [randn([2, 90, 60], { generator: g, dtype: 'float64' }), randn([60, 500], { generator: g, dtype: 'float64' }), 64_000],
        // K too deep for any chunk: the JS kernel takes over.
        [randn([9, 2000], { generator: g }), randn([2000, 7], { generator: g }), 64_000],
      ];
      for (const [a, b, limit] of cases) {
        setNumThreads(2);
        const whole = run('wasm', () => matmul(a, b));
        setArenaLimit(limit);
        const chunked = run('wasm', () => matmul(a, b));
        setArenaLimit();
        if (a.shape[1] !== 2000) expect(chunked).toEqual(whole);
        setArenaLimit(limit);
        expectAgree(a, b, a.dtype === 'float64' ? 1e-13 : 1e-5);
        setArenaLimit();
      }
    });
  });

  it('falls back to the JS kernel when the WebAssembly memory cannot grow', () => {
    const memory = wasmEngine()!.memory as { grow(pages: number): number; buffer: ArrayBufferLike };
    // Thin and deep: needs about twice the memory there is now.
    const k = Math.ceil(memory.buffer.byteLength / 64);
    const g = new Generator(8);
    tidy(() => {
      const a = randn([8, k], { generator: g });
      const b = randn([k, 8], { generator: g });
      const js = run('js', () => matmul(a, b));
      const grow = memory.grow;
      let calls = 0;
      memory.grow = () => {
        calls++;
        throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
      };
      try {
        expect(run('wasm', () => matmul(a, b))).toEqual(js);
        expect(calls).toBeGreaterThan(0);
      } finally {
        delete (memory as { grow?: unknown }).grow;
      }
      expect(memory.grow).toBe(grow);
      expectAgree(a, b, 1e-5); // and with a working memory, the WebAssembly result agrees
    });
  });

  it('1-D operands, stride-0 rows, k = 1 and 1 x 1 results', () => {
    const g = new Generator(3);
    tidy(() => {
      expectAgree(randn([37], { generator: g }), randn([37], { generator: g }), 1e-5);
      expectAgree(randn([37], { generator: g }), randn([4, 37, 13], { generator: g }), 1e-5);
      expectAgree(randn([2, 5, 37], { generator: g }), randn([37], { generator: g }), 1e-5);
      expectAgree(operand([], 7, 29, 'expanded', 'float32', g), randn([29, 11], { generator: g }), 1e-5);
      expectAgree(randn([13, 1], { generator: g }), randn([1, 9], { generator: g }), 1e-6);
      expectAgree(randn([1, 1], { generator: g }), randn([1, 1], { generator: g }), 1e-6);
    });
  });

  it('zero-size dims: k = 0 gives zeros, m = 0 or n = 0 gives empty results', () => {
    setCpuMatmulKernel('wasm');
    tidy(() => {
      expect(Array.from(matmul(randn([3, 0]), randn([0, 5])).dataSync())).toEqual(new Array(15).fill(0));
      expect(matmul(randn([0, 4]), randn([4, 5])).shape).toEqual([0, 5]);
      expect(matmul(randn([2, 3, 4]), randn([4, 0])).shape).toEqual([2, 3, 0]);
    });
  });

  it('propagates NaN and infinities like the JS kernel', () => {
    const a = tensor([
      [1, Number.NaN, 2],
      [3, 4, 5],
      [Number.POSITIVE_INFINITY, 1, 0],
      [1, 1, 1],
      [-1, 2, -3],
    ]);
    const b = tensor([
      [1, 2, 0, 1, 2, 3, 4, 5, 6],
      [0, 1, 0, 1, 1, 1, 1, 1, 1],
      [2, 0, 0, 1, 1, 1, 1, 1, Number.NEGATIVE_INFINITY],
    ]);
    const w = run('wasm', () => matmul(a, b));
    const j = run('js', () => matmul(a, b));
    expect(Array.from(w)).toEqual(Array.from(j));
  });

  it('gives bitwise identical results for 1, 2, 3 and 5 threads (small items forced onto the workers)', () => {
    const g = new Generator(9);
    tidy(() => {
      const cases: Array<[Tensor, Tensor]> = [
        [randn([130, 300], { generator: g }), randn([300, 77], { generator: g })],
        [randn([4, 33, 65], { generator: g }), randn([4, 65, 40], { generator: g }).mT.mT],
        [randn([70, 90], { generator: g, dtype: 'float64' }), randn([90, 50], { generator: g, dtype: 'float64' })],
      ];
      for (const [a, b] of cases) {
        setNumThreads(1);
        const one = run('wasm', () => matmul(a, b));
        for (const t of [2, 3, 5]) {
          setNumThreads(t);
          expect(run('wasm', () => matmul(a, b)), `${t} threads`).toEqual(one);
        }
      }
    });
  });

  it('worker threads run items, with the same results as one thread (auto mode, above the thresholds)', async () => {
    expect(WASM_MIN_FLOPS).toBeLessThan(THREADS_MIN_FLOPS);
    const g = new Generator(4);
    const a = randn([256, 192], { generator: g });
    const b = randn([192, 320], { generator: g });
    expect(2 * 256 * 192 * 320).toBeGreaterThan(THREADS_MIN_FLOPS);
    setNumThreads(1);
    const one = run('auto', () => matmul(a, b));
    setNumThreads(3);
    const before = threadStats().workerItems;
    // Workers start asynchronously (tens of ms) and join the jobs published after they are up.
    const deadline = Date.now() + 20_000;
    let many = run('auto', () => matmul(a, b));
    while (threadStats().workerItems === before && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      many = run('auto', () => matmul(a, b));
      expect(many).toEqual(one);
    }
    expect(threadStats().workers).toBe(2);
    expect(threadStats().workerItems).toBeGreaterThan(before);
    expect(many).toEqual(one);
    // withNumThreads switches the count for one call without stopping the workers.
    expect(withNumThreads(1, () => run('auto', () => matmul(a, b)))).toEqual(one);
    expect(getNumThreads()).toBe(3);
    expect(threadStats().workers).toBe(2);
    const items = threadStats().workerItems;
    withNumThreads(1, () => run('auto', () => matmul(a, b)));
    expect(threadStats().workerItems).toBe(items); // workers left out of single-thread jobs
    a.dispose();
    b.dispose();
    setNumThreads(1);
    expect(threadStats().workers).toBe(0);
  });

  it('setNumThreads validates its argument; getNumThreads defaults to the core count', () => {
    expect(defaultThreads).toBeGreaterThanOrEqual(1);
    expect(() => setNumThreads(0)).toThrow(RangeError);
    expect(() => setNumThreads(1.5)).toThrow(RangeError);
    expect(() => withNumThreads(0, () => 1)).toThrow(RangeError);
    expect(withNumThreads(2, () => getNumThreads())).toBe(2);
    expect(() => setCpuMatmulKernel('gpu' as never)).toThrow(RangeError);
    setNumThreads(4);
    expect(getNumThreads()).toBe(4);
  });

  it("'js' mode runs the reference kernel (same values as before the WebAssembly kernels)", () => {
    setCpuMatmulKernel('js');
    expect(cpuMatmulInfo().mode).toBe('js');
    const y = matmul(tensor([[1, 2], [3, 4]]), tensor([[5, 6], [7, 8]]));
    expect(Array.from(y.dataSync())).toEqual([19, 22, 43, 50]);
  });
});
