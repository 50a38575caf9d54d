import { describe, expect, it } from 'vitest';
import { emptyCache, memory, ones, zeros } from '../src/index.js';
import { CpuArrayPool } from '../src/backends/cpu/storage.js';

describe('CPU array pool', () => {
  it('size classes are 2^k times 1, 1.25, 1.5 or 1.75, the smallest that holds the bytes', () => {
    expect(CpuArrayPool.classBytes(16384)).toBe(16384);
    expect(CpuArrayPool.classBytes(16385)).toBe(20480);
    expect(CpuArrayPool.classBytes(20481)).toBe(24576);
    expect(CpuArrayPool.classBytes(28673)).toBe(32768);
    for (let b = 1; b < 1 << 22; b = Math.ceil(b * 1.37) + 1) {
      const c = CpuArrayPool.classBytes(b);
      expect(c).toBeGreaterThanOrEqual(b);
      expect(c).toBeLessThanOrEqual(b * 1.25 + 1);
      expect(CpuArrayPool.classBytes(c)).toBe(c);
    }
  });

  it('hands a freed buffer to a later array of another length in the same or a nearby class, zeroed and exactly as long', () => {
    const pool = new CpuArrayPool();
    const a = pool.fresh('float32', 20000)!;
    expect(a.length).toBe(20000);
    expect(a.buffer.byteLength).toBe(81920);
    a.fill(7);
    pool.put(a, 0, 1 << 30);
    expect(pool.pooledBytes).toBe(a.buffer.byteLength);
    // 16000 floats (64000 bytes) are one class lower (65536): they may take the larger buffer.
    const b = pool.take('float32', 16000)!;
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(16000);
    expect(b.every((x) => x === 0)).toBe(true);
    expect(pool.pooledBytes).toBe(0);
    // Another dtype never shares the class's buffers.
    pool.put(b, 0, 1 << 30);
    expect(pool.take('int32', 20000)).toBeUndefined();
    // Far smaller arrays (10000 floats: class 40960, then 49152, 57344) do not take it.
    expect(pool.take('float32', 10000)).toBeUndefined();
    expect(pool.take('float32', 20000)!.buffer).toBe(a.buffer);
  });

  it('keeps freed buffers only while live + pooled bytes stay within the peak live bytes (or the floor)', () => {
    const pool = new CpuArrayPool();
    pool.minBytes = 0;
    const a = pool.fresh('float32', 8192)!;
    const size = a.buffer.byteLength;
    pool.put(a, 0, size - 1);
    expect(pool.pooledBytes).toBe(0);
    pool.put(a, 0, size);
    expect(pool.pooledBytes).toBe(size);
    const b = pool.fresh('float32', 8192)!;
    pool.put(b, 0, size);
    expect(pool.pooledBytes).toBe(size);
    pool.minBytes = 2 * size;
    pool.put(b, 0, 0);
    expect(pool.pooledBytes).toBe(2 * size);
    pool.clear();
    expect(pool.pooledBytes).toBe(0);
  });

  it('never keeps views into buffers it did not make, nor small arrays', () => {
    const pool = new CpuArrayPool();
    const big = new Float32Array(1 << 16);
    pool.put(big.subarray(4096), 0, 1 << 30);
    pool.put(new Float32Array(5000), 0, 1 << 30);
    pool.put(pool.fresh('float32', 8192)!.subarray(0, 100), 0, 1 << 30);
    expect(pool.fresh('float32', 100)).toBeUndefined();
    expect(pool.pooledBytes).toBe(0);
  });

  it('a steady loop of tensor work reuses storage: pooled bytes bounded, emptyCache frees them', () => {
    for (let step = 0; step < 5; step++) {
      const x = ones([300, 97]).add(zeros([300, 97]));
      const y = x.mul(2).sum();
      expect(y.itemSync()).toBe(2 * 300 * 97);
      x.dispose();
      y.dispose();
    }
    const m = memory('cpu');
    expect(m.pooledBytes).toBeGreaterThan(0);
    expect(m.pooledBytes).toBeLessThanOrEqual(Math.max(256 * 2 ** 20, m.peakBytes));
    emptyCache('cpu');
    expect(memory('cpu').pooledBytes).toBe(0);
  });
});
