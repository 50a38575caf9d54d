/**
 * Every WebGPU kernel variant, forced, against the CPU: the matmul kernels ('tiled', 'direct',
 * 'blocked' with each of its load modes) on odd, transposed, offset and batched operands, and both
 * row-kernel families ('thread', 'group', plus each with its adapter-class exceptions) for
 * softmax, logSoftmax, logsumexp, layerNorm and the reductions on rows of length 1, 3, 4, 257,
 * 1024, 1500, ... Also the kernel selection (options, environment, auto-tune and its cache).
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import type { DeviceName, KernelChoice, MatmulVariant, RowVariant, Tensor } from '@tessera/tensor';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adapterKey, autotune, blockedPlan, cachedTuning, chooseKernels, clearTuningMemory, envKernels, envTune, storeTuning, webgpuBackend } from '@tessera/tensor/internal';
import '@tessera/autograd';
import { requireWebGPU } from './gpu.js';
import { F32_AGREEMENT, F32_AGREEMENT_LOOSE, mismatch } from './tolerance.js';

const gpu = await requireWebGPU();

const MATMULS: MatmulVariant[] = ['tiled', 'direct', 'blocked'];
/** Each matmul kernel; 'blocked' with and without subgroups (the same when the device has none). */
const MATMUL_CONFIGS: { name: string; choice: Partial<KernelChoice> }[] = [
  { name: "'tiled'", choice: { matmul: 'tiled' } },
  { name: "'direct'", choice: { matmul: 'direct' } },
  { name: "'blocked' with subgroups", choice: { matmul: 'blocked', subgroups: true } },
  { name: "'blocked' without subgroups", choice: { matmul: 'blocked', subgroups: false } },
];
const ROWS: RowVariant[] = ['thread', 'group'];

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 4 - 2;
  }
  return out;
}

function make(shape: number[], seed: number, device: DeviceName): Tensor {
  return T.tensor(values(shape.reduce((a, b) => a * b, 1), seed), { shape, device });
}

/** Runs `f` on both devices with the same inputs and compares every output. */
async function agree(label: string, shapes: number[][], f: (...xs: Tensor[]) => Tensor | Tensor[], loose = false): Promise<void> {
  const outs: Record<DeviceName, Float64Array[]> = { cpu: [], webgpu: [] };
  for (const device of ['cpu', 'webgpu'] as DeviceName[]) {
    const xs = shapes.map((s, i) => make(s, 17 + i * 31 + s.length, device));
    const r = T.tidy(() => {
      const y = f(...xs);
      return Array.isArray(y) ? y : [y];
    });
    for (const y of r) {
      outs[device].push(Float64Array.from(await y.data()));
      y.dispose();
    }
    for (const x of xs) x.dispose();
  }
  outs.cpu.forEach((c, i) => {
    const m = mismatch(outs.webgpu[i]!, c, loose ? F32_AGREEMENT_LOOSE : F32_AGREEMENT);
    if (m) throw new Error(`${label}, output ${i}: ${m}`);
  });
}

function withKernels(choice: Partial<KernelChoice>): () => void {
  const before = T.setWebGPUKernels(choice);
  return () => T.setWebGPUKernels(before);
}

describe.skipIf(!gpu)(`WebGPU kernel variants agree with the CPU (${gpu?.description ?? 'no adapter'})`, () => {
  const initial = webgpuBackend()?.kernels;
  afterAll(() => {
    if (initial) T.setWebGPUKernels({ ...initial, strictRows: false });
  });

  // [m, k, n]: odd sizes, sizes of 1, multiples of 4 (vec4 loads), k % 4 != 0 (scalar tail).
  const SIZES: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [4, 4, 4],
    [5, 1, 9],
    [8, 12, 16],
    [17, 33, 9],
    [16, 6, 20],
    [33, 65, 64],
    [65, 127, 33],
    [128, 96, 72],
    [2, 300, 3],
    [100, 8, 4],
  ];

  for (const { name, choice } of MATMUL_CONFIGS) {
    describe(`matmul ${name}`, () => {
      it('2-D, odd and aligned sizes', async () => {
        const restore = withKernels(choice);
        try {
          for (const [m, k, n] of SIZES) await agree(`${m}x${k}x${n}`, [[m, k], [k, n]], (a, b) => T.matmul(a!, b!), k > 64);
        } finally {
          restore();
        }
      });

      for (const [which, ta, tb] of [['Aᵀ', true, false], ['Bᵀ', false, true], ['AᵀBᵀ', true, true]] as const) {
        it(`transposed operands (${which})`, async () => {
          const restore = withKernels(choice);
          try {
            for (const [m, k, n] of SIZES) {
              const shapes = [ta ? [k, m] : [m, k], tb ? [n, k] : [k, n]];
              await agree(`${which} ${m}x${k}x${n}`, shapes, (a, b) => T.matmul(ta ? a!.mT : a!, tb ? b!.mT : b!), k > 64);
            }
          } finally {
            restore();
          }
        });
      }

      it('batched, broadcast batch dims, matrix-vector and vector-matrix', async () => {
        const restore = withKernels(choice);
        try {
          await agree('batched', [[3, 12, 8], [3, 8, 20]], (a, b) => T.matmul(a!, b!));
          await agree('broadcast batch', [[2, 1, 5, 7], [3, 7, 9]], (a, b) => T.matmul(a!, b!));
          await agree('broadcast matrix', [[4, 16, 8], [8, 12]], (a, b) => T.matmul(a!, b!));
          await agree('batched transposed', [[2, 3, 8, 16], [2, 3, 12, 8]], (a, b) => T.matmul(a!.mT, b!.mT));
          await agree('attention-like', [[2, 4, 9, 8], [2, 4, 9, 8]], (q, k) => T.matmul(q!, k!.mT));
          await agree('matrix-vector', [[37, 24], [24]], (a, b) => T.matmul(a!, b!));
          await agree('vector-matrix', [[24], [24, 37]], (a, b) => T.matmul(a!, b!));
          await agree('column vector', [[64, 32], [32, 1]], (a, b) => T.matmul(a!, b!));
        } finally {
          restore();
        }
      });

      it('views at offsets and with strides (sliced operands)', async () => {
        const restore = withKernels(choice);
        try {
          // Offset 1 (no vec4), offset 4 (vec4), a column slice (row stride != k), a stepped slice.
          await agree('offset 1', [[9, 16], [16, 12]], (a, b) => T.matmul(T.slice(a!, 0, 1), b!));
          await agree('offset 4 rows', [[9, 16], [16, 12]], (a, b) => T.matmul(a!.reshape([144]).narrow(0, 16, 128).reshape([8, 16]), b!));
          await agree('column slice', [[8, 20], [16, 12]], (a, b) => T.matmul(T.narrow(a!, 1, 4, 16), b!));
          await agree('stepped slice', [[8, 32], [16, 12]], (a, b) => T.matmul(T.slice(a!, 1, 0, 32, 2), b!));
          await agree('B column slice', [[8, 16], [16, 24]], (a, b) => T.matmul(a!, T.narrow(b!, 1, 3, 12)));
          await agree('B offset 4', [[8, 16], [17, 12]], (a, b) => T.matmul(a!, T.narrow(b!, 0, 1, 16).mT.contiguous().mT));
        } finally {
          restore();
        }
      });
    });
  }

  it("'blocked' shares rows of A across subgroups when the device has fixed-size subgroups", async () => {
    const restore = withKernels({ matmul: 'blocked', subgroups: true });
    try {
      await agree('subgroup matmul', [[40, 24], [24, 64]], (a, b) => T.matmul(a!, b!));
      const keys = [...(webgpuBackend()!.runtime as unknown as { pipelines: Map<string, unknown> }).pipelines.keys()];
      const shared = keys.some((k) => /^matmul:blocked:.*:s[1-9]/.test(k));
      expect(shared).toBe(gpu!.subgroupSize >= 4);
    } finally {
      restore();
    }
  });

  it("'blocked' picks vec4 loads along each operand's contiguous dim", () => {
    const op = (offset: number, rs: number, cs: number, batch: number[] = []) => ({ offset, rs, cs, batch });
    // Row-major A [8, 16] and B [16, 12].
    let p = blockedPlan(8, 12, 16, op(0, 16, 1), op(0, 12, 1));
    expect([p.a, p.b, p.c4]).toEqual(['k4', 'n4', true]);
    // Aᵀ (stored [16, 8]) and Bᵀ (stored [12, 16]).
    p = blockedPlan(8, 12, 16, op(0, 1, 8), op(0, 1, 16));
    expect([p.a, p.b]).toEqual(['m4', 'k4']);
    // Odd sizes and offsets: scalar loads.
    p = blockedPlan(7, 9, 5, op(0, 5, 1), op(3, 9, 1));
    expect([p.a, p.b, p.c4]).toEqual(['s', 's', false]);
    // k % 4 != 0 keeps vec4s along m and n (with a scalar k tail).
    p = blockedPlan(8, 12, 6, op(0, 1, 8), op(0, 12, 1));
    expect([p.a, p.b]).toEqual(['m4', 'n4']);
    // A batch stride that is not a multiple of 4 rules vec4s out.
    p = blockedPlan(8, 12, 16, op(0, 16, 1, [130]), op(0, 12, 1, [0]));
    expect([p.a, p.b]).toEqual(['s', 'n4']);
    // Lanes go along n unless n is small and m large.
    expect(blockedPlan(512, 4, 16, op(0, 16, 1), op(0, 4, 1)).lanes).toBe('m');
    expect(blockedPlan(4, 512, 16, op(0, 16, 1), op(0, 512, 1)).lanes).toBe('n');
    // With subgroups of 8: 16x4 blocks in 1-D workgroups along n of at least 8 invocations.
    p = blockedPlan(100, 384, 64, op(0, 64, 1), op(0, 384, 1), 8);
    expect([p.rows, p.cols, p.subgroup, p.wx, p.wy, p.groups]).toEqual([16, 4, 8, 16, 1, [6, 7]]);
    p = blockedPlan(20, 40, 64, op(0, 1, 20), op(0, 40, 1), 8);
    expect([p.a, p.subgroup, p.wx, p.groups]).toEqual(['m4', 8, 16, [1, 2]]);
    // Subgroups only along n, and not for scalar loads of A.
    expect(blockedPlan(512, 4, 16, op(0, 16, 1), op(0, 4, 1), 8).subgroup).toBe(0);
    expect(blockedPlan(7, 64, 5, op(0, 5, 1), op(0, 64, 1), 8).subgroup).toBe(0);
  });

  // Row lengths: 1, 3, 4 (vec4), 257 (odd, > 256 threads), 1024, 1025 (group size switch), 1500.
  const ROW_SHAPES: number[][] = [[5, 1], [1, 3], [2, 3], [7, 4], [64, 8], [3, 257], [16, 257], [2, 1024], [9, 1025], [4, 1500], [1, 1500], [65, 12]];

  for (const family of ROWS) {
    for (const strict of [true, false]) {
      describe(`row kernels '${family}'${strict ? ' (every shape)' : ' (with its exceptions)'}`, () => {
        it('softmax, logSoftmax, logsumexp along the last and a middle dim', async () => {
          const restore = withKernels({ rows: family, strictRows: strict });
          try {
            for (const s of ROW_SHAPES) {
              await agree(`softmax ${s}`, [s], (x) => T.softmax(x!.mul(3), -1));
              await agree(`logSoftmax ${s}`, [s], (x) => T.logSoftmax(x!.mul(3), -1), true);
              await agree(`logsumexp ${s}`, [s], (x) => T.logsumexp(x!.mul(3), -1), true);
            }
            await agree('softmax dim 1 of 3-D', [[3, 5, 7]], (x) => T.softmax(x!, 1));
            await agree('logSoftmax dim 0', [[9, 4]], (x) => T.logSoftmax(x!, 0), true);
            await agree('softmax at offset 1', [[5, 9]], (x) => T.softmax(T.narrow(x!, 1, 1, 8), -1));
            await agree('softmax of a row slice at offset 4', [[6, 8]], (x) => T.softmax(T.narrow(x!, 0, 1, 4), -1));
          } finally {
            restore();
          }
        });

        it('softmax and logsumexp of rows with -inf, +inf and NaN', async () => {
          const restore = withKernels({ rows: family, strictRows: strict });
          try {
            const special = (x: Tensor): Tensor => {
              const idx = T.arange(0, x.shape[1]!, 1, { device: x.device }).reshape([1, x.shape[1]!]);
              const rowIdx = T.arange(0, x.shape[0]!, 1, { device: x.device }).reshape([x.shape[0]!, 1]);
              let y = T.where(rowIdx.eq(0), -Infinity, x); // all -inf row
              y = T.where(rowIdx.eq(1).logicalAnd(idx.eq(2)), Infinity, y);
              y = T.where(rowIdx.eq(2).logicalAnd(idx.eq(1)), NaN, y);
              y = T.where(rowIdx.eq(3).logicalAnd(idx.ne(3)), -Infinity, y); // one finite entry
              return y;
            };
            for (const len of [4, 5, 300]) {
              await agree(`softmax special ${len}`, [[5, len]], (x) => T.softmax(special(x!), -1));
              await agree(`logSoftmax special ${len}`, [[5, len]], (x) => T.logSoftmax(special(x!), -1));
              await agree(`logsumexp special ${len}`, [[5, len]], (x) => T.logsumexp(special(x!), -1));
            }
          } finally {
            restore();
          }
        });

        it('scaledMaskedSoftmax with broadcast, offset and Hugging Face masks', async () => {
          const restore = withKernels({ rows: family, strictRows: strict });
          try {
            for (const [b, h, t, sLen] of [[2, 3, 5, 8], [1, 2, 3, 1], [2, 1, 4, 3], [1, 2, 3, 257], [2, 2, 2, 128]] as const) {
              const x = [b, h, t, sLen];
              await agree(`no mask ${x}`, [x], (s) => T.scaledMaskedSoftmax(s!, 0.3));
              await agree(`padding mask ${x}`, [x, [b, 1, 1, sLen]], (s, m) => T.scaledMaskedSoftmax(s!, 0.3, m!));
              await agree(`per-query mask ${x}`, [x, [b, 1, t, sLen]], (s, m) => T.scaledMaskedSoftmax(s!, 0.3, m!));
              await agree(`full mask ${x}`, [x, x], (s, m) => T.scaledMaskedSoftmax(s!, 2, m!));
              await agree(`key-broadcast mask ${x}`, [x, [b, h, t, 1]], (s, m) => T.scaledMaskedSoftmax(s!, 0.5, m!));
              await agree(`mask at offset 1 ${x}`, [x, [b, 1, 1, sLen + 1]], (s, m) => T.scaledMaskedSoftmax(s!, 0.3, T.narrow(m!, 3, 1, sLen)));
              await agree(`scores at offset 1 ${x}`, [[b, h, t, sLen + 1], [b, 1, 1, sLen]], (s, m) => T.scaledMaskedSoftmax(T.narrow(s!, 3, 1, sLen), 0.3, m!));
            }
            // Hugging Face additive masks: 0 where kept, the most negative float32 where padded, whole rows padded too.
            await agree('HF mask', [[2, 2, 3, 8]], (s) => {
              const keep = T.tensor([1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], { shape: [2, 8], device: s!.device });
              return T.scaledMaskedSoftmax(s!, 0.125, keep.neg().add(1).mul(-3.4028234663852886e38).reshape([2, 1, 1, 8]));
            });
            // Six leading dims that do not merge: the mask is copied.
            await agree('rank-7 mask', [[2, 1, 2, 1, 2, 3, 4], [2, 3, 1, 2, 1, 3, 4]], (s, m) => T.scaledMaskedSoftmax(s!.expand([2, 3, 2, 2, 2, 3, 4]), 0.7, m!));
          } finally {
            restore();
          }
        });

        it('layerNorm with and without weight and bias', async () => {
          const restore = withKernels({ rows: family, strictRows: strict });
          try {
            for (const s of ROW_SHAPES) {
              const d = s[1]!;
              await agree(`layerNorm affine ${s}`, [s, [d], [d]], (x, w, b) => T.layerNorm(x!, [d], w!, b!), true);
              await agree(`layerNorm plain ${s}`, [s], (x) => T.layerNorm(x!.add(5), [d]), true);
            }
            await agree('layerNorm at offset 1', [[5, 9]], (x) => T.layerNorm(T.narrow(x!, 1, 1, 8), [8]), true);
            await agree('layerNorm over 2 dims', [[3, 4, 6]], (x) => T.layerNorm(x!, [4, 6]), true);
          } finally {
            restore();
          }
        });

        it('sum, mean, amax, max with indices, argmin along rows and columns', async () => {
          const restore = withKernels({ rows: family, strictRows: strict });
          try {
            for (const s of [...ROW_SHAPES, [300, 3], [2, 5000]]) {
              await agree(`sum rows ${s}`, [s], (x) => T.sum(x!, -1), true);
              await agree(`sum cols ${s}`, [s], (x) => T.sum(x!, 0), true);
              await agree(`mean ${s}`, [s], (x) => T.mean(x!, -1), true);
              await agree(`amax ${s}`, [s], (x) => T.amax(x!, -1));
              await agree(`max ${s}`, [s], (x) => {
                const r = T.max(x!, -1);
                return [r.values, r.indices.cast('float32')];
              });
              await agree(`argmin cols ${s}`, [s], (x) => T.argmin(x!, 0).cast('float32'));
            }
            await agree('sum of all', [[37, 41]], (x) => T.sum(x!), true);
          } finally {
            restore();
          }
        });
      });
    }
  }

  it('scaledMaskedSoftmax equals the composition softmax(x * scale + mask) and its gradients, on both devices', async () => {
    for (const device of ['cpu', 'webgpu'] as DeviceName[]) {
      const x = make([2, 3, 4, 12], 5, device).requiresGrad_(true);
      const mask = make([2, 1, 1, 12], 6, device).requiresGrad_(true);
      const w = make([2, 3, 4, 12], 7, device);
      const fused = T.scaledMaskedSoftmax(x, 0.25, mask);
      const plain = T.softmax(x.mul(0.25).add(mask), -1);
      expect(mismatch(await fused.data(), await plain.data(), F32_AGREEMENT)).toBeNull();
      fused.mul(w).sum().backward();
      const [gx, gm] = [await x.grad!.data(), await mask.grad!.data()];
      x.grad = null;
      mask.grad = null;
      plain.mul(w).sum().backward();
      expect(mismatch(gx, await x.grad!.data(), F32_AGREEMENT)).toBeNull();
      expect(mismatch(gm, await mask.grad!.data(), F32_AGREEMENT)).toBeNull();
      expect(mask.grad!.shape).toEqual([2, 1, 1, 12]);
      for (const t of [x, mask, w, fused, plain, x.grad, mask.grad]) t?.dispose();
    }
  });

  it('setWebGPUKernels validates its choices and reports them in webgpuInfo()', () => {
    expect(() => T.setWebGPUKernels({ matmul: 'fast' as MatmulVariant })).toThrow(/matmul.*tiled, direct, blocked/);
    expect(() => T.setWebGPUKernels({ rows: 'warp' as RowVariant })).toThrow(/rows.*thread, group/);
    const restore = withKernels({ matmul: 'direct', rows: 'group' });
    try {
      expect(T.webgpuInfo()!.matmul).toBe('direct');
      expect(T.webgpuInfo()!.kernels).toMatchObject({ matmul: 'direct', rows: 'group', source: { matmul: 'option', rows: 'option' } });
    } finally {
      restore();
    }
  });

  it('the adapter class picks the defaults', () => {
    const info = T.webgpuInfo()!;
    if (info.kernels.source.matmul === 'adapter') expect(info.kernels.matmul).toBe(info.isSoftware ? 'blocked' : 'tiled');
    if (info.kernels.source.rows === 'adapter') expect(info.kernels.rows).toBe(info.isSoftware ? 'thread' : 'group');
  });

  it('environment overrides are validated', () => {
    const saved = { m: process.env.TESSERA_WEBGPU_MATMUL, r: process.env.TESSERA_WEBGPU_ROWS, t: process.env.TESSERA_WEBGPU_TUNE };
    try {
      process.env.TESSERA_WEBGPU_MATMUL = 'blocked';
      process.env.TESSERA_WEBGPU_ROWS = 'group';
      process.env.TESSERA_WEBGPU_TUNE = 'refresh';
      expect(envKernels()).toEqual({ matmul: 'blocked', rows: 'group' });
      expect(envTune()).toBe('refresh');
      process.env.TESSERA_WEBGPU_MATMUL = 'nope';
      expect(() => envKernels()).toThrow(/TESSERA_WEBGPU_MATMUL=nope/);
      delete process.env.TESSERA_WEBGPU_MATMUL;
      delete process.env.TESSERA_WEBGPU_ROWS;
      delete process.env.TESSERA_WEBGPU_TUNE;
      expect(envKernels()).toEqual({});
      expect(envTune()).toBe(false);
    } finally {
      for (const [k, v] of [['TESSERA_WEBGPU_MATMUL', saved.m], ['TESSERA_WEBGPU_ROWS', saved.r], ['TESSERA_WEBGPU_TUNE', saved.t]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('the auto-tune times every candidate, restores the kernels, and its results are cached', async () => {
    const backend = webgpuBackend()!;
    const before = { ...backend.kernels };
    const live = backend.liveCount;
    const r = await autotune(backend, { matmul: 'blocked', rows: 'thread' });
    expect(backend.kernels).toEqual(before);
    expect(backend.liveCount).toBe(live);
    expect(MATMULS).toContain(r.matmul);
    expect(ROWS).toContain(r.rows);
    expect(Object.keys(r.timings).sort()).toEqual(['matmul:blocked', 'matmul:direct', 'matmul:tiled', 'softmax:group', 'softmax:thread']);
    for (const t of Object.values(r.timings)) expect(t).toBeGreaterThan(0);
    const key = adapterKey({ vendor: 'test', architecture: 'a', device: 'd', description: `kernel-variants ${Date.now()}` });
    expect(await cachedTuning(key, false)).toBeNull();
    await storeTuning(key, r, false);
    expect(await cachedTuning(key, false)).toEqual(r);
    clearTuningMemory();
    expect(await cachedTuning(key, false)).toBeNull();
  });

  it('kernel choices: options, then the environment, then the auto-tune (then its cache), then the adapter class', async () => {
    const backend = webgpuBackend()!;
    const adapter = { vendor: 'test', architecture: 'a', device: 'd', description: `chooseKernels ${Date.now()}` };
    const preferred: KernelChoice = { matmul: 'blocked', rows: 'thread' };
    const names = ['TESSERA_WEBGPU_MATMUL', 'TESSERA_WEBGPU_ROWS', 'TESSERA_WEBGPU_TUNE'] as const;
    const saved = names.map((k) => process.env[k]);
    try {
      for (const k of names) delete process.env[k];
      expect(await chooseKernels(backend, {}, preferred, adapter)).toEqual({ matmul: 'blocked', rows: 'thread', source: { matmul: 'adapter', rows: 'adapter' } });
      process.env.TESSERA_WEBGPU_ROWS = 'group';
      expect(await chooseKernels(backend, { matmul: 'direct' }, preferred, adapter)).toMatchObject({ matmul: 'direct', rows: 'group', source: { matmul: 'option', rows: 'env' } });
      delete process.env.TESSERA_WEBGPU_ROWS;
      const tuned = await chooseKernels(backend, { tune: true, tuneCacheFile: false }, preferred, adapter);
      expect(tuned.source).toEqual({ matmul: 'tuned', rows: 'tuned' });
      expect(tuned.tuning).toBeDefined();
      const again = await chooseKernels(backend, { tune: true, tuneCacheFile: false }, preferred, adapter);
      expect(again.source).toEqual({ matmul: 'tune-cache', rows: 'tune-cache' });
      expect(again.tuning).toEqual(tuned.tuning);
      // An option still wins over the tuned choice.
      expect((await chooseKernels(backend, { tune: true, tuneCacheFile: false, rows: 'group' }, preferred, adapter)).source).toEqual({ matmul: 'tune-cache', rows: 'option' });
    } finally {
      names.forEach((k, i) => {
        if (saved[i] === undefined) delete process.env[k];
        else process.env[k] = saved[i];
      });
      clearTuningMemory();
    }
  });

  it('tuning results persist in a JSON file under os.tmpdir()', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-tune-'));
    const saved = process.env.TMPDIR;
    try {
      process.env.TMPDIR = dir;
      const key = adapterKey({ vendor: 'test', architecture: 'a', device: 'd', description: 'file cache' });
      const result = { matmul: 'direct' as const, rows: 'group' as const, timings: { 'matmul:direct': 1 } };
      await storeTuning(key, result, true);
      expect(JSON.parse(readFileSync(join(dir, 'tessera-webgpu-tuning.json'), 'utf8'))[key]).toMatchObject(result);
      clearTuningMemory();
      expect(await cachedTuning(key, true)).toMatchObject(result);
      clearTuningMemory();
      expect(await cachedTuning(key, false)).toBeNull();
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      clearTuningMemory();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
