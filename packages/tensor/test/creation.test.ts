import { describe, expect, it } from 'vitest';
import {
  arange,
  defaultGenerator,
  eye,
  full,
  fullLike,
  Generator,
  manualSeed,
  ones,
  onesLike,
  rand,
  randint,
  randn,
  tensor,
  threefry2x32,
  zeros,
  zerosLike,
} from '@tessera/tensor';
import { expectBadInput, expectClose, expectValues, f32, meanStd, vals } from './helpers.js';

describe('tensor', () => {
  it('builds nested arrays as float32 with the nested shape', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.dtype).toBe('float32');
    expect(t.device).toBe('cpu');
    expect(t.ndim).toBe(2);
    expect(t.numel).toBe(6);
    expect(t.arraySync()).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  it('rounds to float32 and keeps float64 exact', () => {
    expect(vals(tensor([0.1, 1 / 3]))).toEqual([f32(0.1), f32(1 / 3)]);
    expect(vals(tensor([0.1, 1 / 3], { dtype: 'float64' }))).toEqual([0.1, 1 / 3]);
  });

  it('makes 0-d tensors from numbers and [0] tensors from []', () => {
    const s = tensor(3.5);
    expect(s.shape).toEqual([]);
    expect(s.itemSync()).toBe(3.5);
    const e = tensor([]);
    expect(e.shape).toEqual([0]);
    expect(e.numel).toBe(0);
  });

  it('infers bool from all-boolean arrays and keeps typed-array dtypes', () => {
    expectValues(tensor([true, false, true]), [1, 0, 1], 'bool');
    expect(tensor([true, false]).arraySync()).toEqual([true, false]);
    expectValues(tensor(new Int32Array([1, -2])), [1, -2], 'int32');
    expectValues(tensor(new Float64Array([0.1])), [0.1], 'float64');
    expectValues(tensor(new Uint8Array([0, 3])), [0, 1], 'bool');
  });

  it('converts with an explicit dtype: int32 truncates toward zero, bool is non-zero', () => {
    expectValues(tensor([1.7, -1.7, 2.5], { dtype: 'int32' }), [1, -1, 2], 'int32');
    expectValues(tensor([0, 2, -1, 0.5], { dtype: 'bool' }), [false, true, true, true], 'bool');
  });

  it('reshapes flat data with opts.shape and copies the source', () => {
    const src = new Float32Array([1, 2, 3, 4, 5, 6]);
    const t = tensor(src, { shape: [3, 2] });
    src[0] = 100;
    expectValues(t, [[1, 2], [3, 4], [5, 6]], 'float32');
  });

  it('rejects ragged arrays, wrong shapes, bad dtypes and non-numbers', () => {
    expectBadInput(() => tensor([[1, 2], [3]]), /tensor: argument 'values'/, []);
    expectBadInput(() => tensor([1, 2, 3], { shape: [2, 2] }), /tensor: argument 'shape'/, []);
    expectBadInput(() => tensor([1, 2], { dtype: 'int64' as never }), /tensor: argument 'dtype'/, []);
    expectBadInput(() => tensor(['a'] as never), /tensor: argument 'values'/, []);
    expectBadInput(() => tensor(new Int16Array(2) as never), /tensor: argument 'values'/, []);
  });
});

describe('zeros / ones / full', () => {
  it('fills shapes with the value and default float32', () => {
    expectValues(zeros([2, 3]), [[0, 0, 0], [0, 0, 0]], 'float32');
    expectValues(ones(3), [1, 1, 1], 'float32');
    expectValues(full([2, 2], 7.5), [[7.5, 7.5], [7.5, 7.5]], 'float32');
    expectValues(full([2], -1, { dtype: 'float64' }), [-1, -1], 'float64');
  });

  it('respects dtypes (full of a boolean is bool, int32 truncates)', () => {
    expectValues(ones([2], { dtype: 'int32' }), [1, 1], 'int32');
    expectValues(zeros([2], { dtype: 'bool' }), [false, false], 'bool');
    expectValues(full([2], true), [true, true], 'bool');
    expectValues(full([2], 2.7, { dtype: 'int32' }), [2, 2], 'int32');
    expectValues(full([1], -Infinity), [-Infinity], 'float32');
  });

  it('handles 0-d and empty shapes', () => {
    const s = zeros([]);
    expect(s.shape).toEqual([]);
    expect(s.numel).toBe(1);
    const e = ones([2, 0]);
    expect(e.shape).toEqual([2, 0]);
    expect(vals(e)).toEqual([]);
  });

  it('zerosLike / onesLike / fullLike copy shape and dtype', () => {
    const x = tensor([[1, 2]], { dtype: 'int32' });
    expectValues(zerosLike(x), [[0, 0]], 'int32');
    expectValues(onesLike(x), [[1, 1]], 'int32');
    expectValues(fullLike(x, 4), [[4, 4]], 'int32');
    expectValues(fullLike(x, 0.5, { dtype: 'float64' }), [[0.5, 0.5]], 'float64');
  });

  it('rejects negative or fractional sizes and a non-number value', () => {
    expectBadInput(() => full([2, -1], 0), /full: argument 'shape'/, []);
    expectBadInput(() => full([1.5], 0), /full: argument 'shape'/, []);
    expectBadInput(() => full([2], 'x' as never), /full: argument 'value'/, []);
    expectBadInput(() => ones([2], { dtype: 'float16' as never }), /argument 'dtype'/, []);
  });

  it('zeros / ones name themselves in shape errors', () => {
    expectBadInput(() => zeros([-1]), /^zeros: argument 'shape'/, []);
    expectBadInput(() => ones([2, 1.5]), /^ones: argument 'shape'/, []);
  });
});

describe('arange', () => {
  it('arange(end) counts from 0 as int32', () => {
    expectValues(arange(5), [0, 1, 2, 3, 4], 'int32');
    expectValues(arange(0), [], 'int32', [0]);
  });

  it('arange(start, end, step) with integer, negative and fractional steps', () => {
    expectValues(arange(2, 6), [2, 3, 4, 5], 'int32');
    expectValues(arange(0, 10, 3), [0, 3, 6, 9], 'int32');
    expectValues(arange(5, 0, -2), [5, 3, 1], 'int32');
    expectValues(arange(0, 1, 0.25), [0, 0.25, 0.5, 0.75], 'float32');
    expectValues(arange(-1, 1, 0.5), [-1, -0.5, 0, 0.5], 'float32');
    expectValues(arange(3, 3), [], 'int32', [0]);
  });

  it('computes start + i*step (torch.arange(0, 1, 0.1) has 10 values)', () => {
    const t = arange(0, 1, 0.1);
    expect(t.dtype).toBe('float32');
    expect(vals(t)).toEqual(Array.from({ length: 10 }, (_, i) => f32(i * 0.1)));
    expectValues(arange(0, 3, 1, { dtype: 'float64' }), [0, 1, 2], 'float64');
    expectValues(arange(0.5, 3, 1), [0.5, 1.5, 2.5], 'float32');
  });

  it('rejects zero step, wrong-signed step and non-finite bounds', () => {
    expectBadInput(() => arange(0, 5, 0), /arange: argument 'step'/, []);
    expectBadInput(() => arange(0, 5, -1), /arange: argument 'step'/, []);
    expectBadInput(() => arange(-3), /arange: argument 'step'/, []);
    expectBadInput(() => arange(0, Infinity), /arange: argument 'end'/, []);
    expectBadInput(() => arange(NaN, 3), /arange: argument 'start'/, []);
  });
});

describe('eye', () => {
  it('square and rectangular identities', () => {
    expectValues(eye(3), [[1, 0, 0], [0, 1, 0], [0, 0, 1]], 'float32');
    expectValues(eye(2, 3), [[1, 0, 0], [0, 1, 0]], 'float32');
    expectValues(eye(3, 2, { dtype: 'int32' }), [[1, 0], [0, 1], [0, 0]], 'int32');
    expectValues(eye(0), [], 'float32', [0, 0]);
  });

  it('rejects negative and fractional sizes', () => {
    expectBadInput(() => eye(-1), /eye: argument 'n'/, []);
    expectBadInput(() => eye(2, 1.5), /eye: argument 'm'/, []);
  });
});

describe('rand / randn / randint', () => {
  it('same seed gives the same values; a different seed different ones', () => {
    const a = vals(rand([50], { generator: new Generator(42) }));
    const b = vals(rand([50], { generator: new Generator(42) }));
    const c = vals(rand([50], { generator: new Generator(43) }));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const n1 = vals(randn([50], { generator: new Generator(7) }));
    const n2 = vals(randn([50], { generator: new Generator(7) }));
    expect(n1).toEqual(n2);
  });

  it('manualSeed reseeds the default generator', () => {
    manualSeed(123);
    const a = vals(rand([20]));
    const b = vals(rand([20]));
    expect(a).not.toEqual(b);
    manualSeed(123);
    expect(vals(rand([20]))).toEqual(a);
    expect(vals(rand([20]))).toEqual(b);
    expect(defaultGenerator.initialSeed()).toBe(123);
  });

  it('draws are a counter stream: rand(3) then rand(2) equals rand(5)', () => {
    const g = new Generator(5);
    const first = [...vals(rand([3], { generator: g })), ...vals(rand([2], { generator: g }))];
    expect(vals(rand([5], { generator: new Generator(5) }))).toEqual(first);
    expect(g.getState()).toEqual({ seed: 5, offset: 5 });
  });

  it('rand is in [0, 1) with mean ~0.5, in the requested shape and dtype', () => {
    const t = rand([100, 100], { generator: new Generator(1) });
    expect(t.shape).toEqual([100, 100]);
    expect(t.dtype).toBe('float32');
    const xs = vals(t);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const { mean, std } = meanStd(xs);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(std - Math.sqrt(1 / 12))).toBeLessThan(0.02);
    expect(rand([3], { dtype: 'float64', generator: new Generator(1) }).dtype).toBe('float64');
  });

  it('randn over 10k samples has mean ~0 and std ~1', () => {
    const xs = vals(randn([10000], { generator: new Generator(2024) }));
    expect(xs.every(Number.isFinite)).toBe(true);
    const { mean, std } = meanStd(xs);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(std - 1)).toBeLessThan(0.05);
    // About 68% within one standard deviation.
    const within = xs.filter((x) => Math.abs(x) < 1).length / xs.length;
    expect(Math.abs(within - 0.6827)).toBeLessThan(0.03);
  });

  it('randint gives int32 values in [low, high), each value reachable', () => {
    const t = randint(-2, 3, [2000], { generator: new Generator(9) });
    expect(t.dtype).toBe('int32');
    const xs = vals(t);
    expect(new Set(xs)).toEqual(new Set([-2, -1, 0, 1, 2]));
    const again = vals(randint(-2, 3, [2000], { generator: new Generator(9) }));
    expect(again).toEqual(xs);
    expectValues(randint(4, 5, [3], { generator: new Generator(1) }), [4, 4, 4], 'int32');
  });

  it('rejects int dtypes, bad shapes, bad bounds and bad generators', () => {
    expectBadInput(() => rand([2], { dtype: 'int32' }), /rand: argument 'dtype'/, []);
    expectBadInput(() => randn([2], { dtype: 'bool' }), /randn: argument 'dtype'/, []);
    expectBadInput(() => rand([-2]), /rand: argument 'shape'/, []);
    expectBadInput(() => randint(3, 3, [2]), /randint: argument 'high'/, []);
    expectBadInput(() => randint(0, 2.5, [2]), /randint: argument 'high'/, []);
    expectBadInput(() => rand([2], { generator: {} as never }), /rand: argument 'generator'/, []);
  });
});

describe('threefry2x32', () => {
  it('matches the Random123 known-answer vectors (20 rounds)', () => {
    const out = new Uint32Array(2);
    threefry2x32(0, 0, 0, 0, out);
    expect([...out]).toEqual([0x6b200159, 0x99ba4efe]);
    threefry2x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, out);
    expect([...out]).toEqual([0x1cb996fc, 0xbb002be7]);
    threefry2x32(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3, out);
    expect([...out]).toEqual([0xc4923a9c, 0x483df7a0]);
  });

  it('rand element i is the top 24 bits of word 0 of threefry(key, offset + i), scaled by 2^-24', () => {
    const g = new Generator(0x1_0000_0002); // key (2, 1)
    rand([3], { generator: g });
    const got = vals(rand([4], { generator: g }));
    const out = new Uint32Array(2);
    const expected = [3, 4, 5, 6].map((c) => {
      threefry2x32(2, 1, c, 0, out);
      return (out[0]! >>> 8) / 2 ** 24;
    });
    expect(got).toEqual(expected);
  });
});

describe('Generator', () => {
  it('getState / setState replays the same draws', () => {
    const g = new Generator(77);
    rand([4], { generator: g });
    const state = g.getState();
    const a = vals(randn([6], { generator: g }));
    const b = vals(rand([3], { generator: g }));
    const r = g.random();
    g.setState(state);
    expect(vals(randn([6], { generator: g }))).toEqual(a);
    expect(vals(rand([3], { generator: g }))).toEqual(b);
    expect(g.random()).toBe(r);
  });

  it('state is (seed, offset) and manualSeed resets the offset', () => {
    const g = new Generator(3);
    expect(g.getState()).toEqual({ seed: 3, offset: 0 });
    rand([2, 5], { generator: g });
    expect(g.getState()).toEqual({ seed: 3, offset: 10 });
    g.manualSeed(3);
    expect(g.getState()).toEqual({ seed: 3, offset: 0 });
    expect(g.initialSeed()).toBe(3);
  });

  it('random() is in [0, 1) and seeds above 2^32 are distinct', () => {
    const g = new Generator(1);
    for (let i = 0; i < 200; i++) {
      const u = g.random();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
    }
    const hi = vals(rand([8], { generator: new Generator(2 ** 32 + 1) }));
    const lo = vals(rand([8], { generator: new Generator(1) }));
    expect(hi).not.toEqual(lo);
  });

  it('rejects negative/unsafe seeds and negative offsets', () => {
    expectBadInput(() => new Generator(-1), /manualSeed: argument 'seed'/, []);
    expectBadInput(() => new Generator(1.5), /manualSeed: argument 'seed'/, []);
    expectBadInput(() => new Generator(1).setState({ seed: 1, offset: -1 }), /Generator.setState: argument 'state.offset'/, []);
  });
});

describe('requiresGrad option', () => {
  it('marks float factories and rejects int ones', () => {
    expect(zeros([2], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(tensor([1], { requiresGrad: false }).requiresGrad).toBe(false);
    expectBadInput(() => zeros([2], { dtype: 'int32', requiresGrad: true }), /requiresGrad: argument 'tensor'/, []);
  });
});

describe('closeness helper sanity', () => {
  it('expectClose compares with tolerance and NaN/Inf', () => {
    expectClose(tensor([1, NaN, Infinity], { dtype: 'float64' }), [1 + 1e-13, NaN, Infinity]);
  });
});
