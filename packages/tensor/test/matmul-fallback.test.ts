/**
 * CPU matmul where the WebAssembly kernels cannot run (WebAssembly.validate fails: JS kernel) or
 * cannot use threads (no SharedArrayBuffer, as in a browser without cross-origin isolation:
 * single-threaded WebAssembly on a plain memory). Each case loads a fresh copy of the package, so
 * the engine is created under the stubbed globals.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

type TensorModule = typeof import('@tessera/tensor');

const realValidate = WebAssembly.validate;
const realSAB = globalThis.SharedArrayBuffer;

afterEach(() => {
  WebAssembly.validate = realValidate;
  globalThis.SharedArrayBuffer = realSAB;
});

async function freshTensor(): Promise<TensorModule> {
  vi.resetModules();
  return import('@tessera/tensor');
}

/** Checks a 70x300 @ 300x45 (transposed B) product and a batched broadcast one against a float64 reference. */
function checkProducts(t: TensorModule): void {
  const g = new t.Generator(1);
  const a = t.randn([70, 300], { generator: g });
  const bT = t.randn([45, 300], { generator: g });
  const y = t.matmul(a, bT.mT).dataSync();
  const av = a.dataSync();
  const bv = bT.dataSync();
  for (let i = 0; i < 70; i++) {
    for (let j = 0; j < 45; j++) {
      let s = 0;
      let bound = 0;
      for (let p = 0; p < 300; p++) {
        s += av[i * 300 + p]! * bv[j * 300 + p]!;
        bound += Math.abs(av[i * 300 + p]! * bv[j * 300 + p]!);
      }
      expect(Math.abs(y[i * 45 + j]! - s)).toBeLessThanOrEqual(1e-5 * bound);
    }
  }
  const x = t.randn([3, 1, 20, 30], { generator: g });
  const w = t.randn([4, 30, 10], { generator: g });
  const z = t.matmul(x, w);
  expect(z.shape).toEqual([3, 4, 20, 10]);
  const z00 = t.matmul(x.slice(0, 0, 1).reshape(20, 30), w.slice(0, 2, 3).reshape(30, 10)).dataSync();
  const zv = z.dataSync();
  for (let i = 0; i < 200; i++) expect(zv[2 * 200 + i]).toBeCloseTo(z00[i]!, 4);
}

describe('CPU matmul fallbacks', () => {
  it('uses the JS kernel when WebAssembly.validate rejects the generated module', async () => {
    WebAssembly.validate = () => false;
    const t = await freshTensor();
    const info = t.cpuMatmulInfo();
    expect(info.wasm).toBe(false);
    expect(info.threads).toBe(false);
    checkProducts(t);
    t.setCpuMatmulKernel('wasm'); // asks for WebAssembly, still computes (on JS)
    checkProducts(t);
    t.setCpuMatmulKernel('auto');
  });

  it('runs single-threaded WebAssembly without SharedArrayBuffer (browsers without cross-origin isolation)', async () => {
    (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer = undefined;
    const t = await freshTensor();
    const info = t.cpuMatmulInfo();
    expect(info.wasm).toBe(true);
    expect(info.threads).toBe(false);
    t.setNumThreads(4);
    checkProducts(t);
    t.setCpuMatmulKernel('wasm');
    checkProducts(t);
    t.setCpuMatmulKernel('auto');
  });
});
