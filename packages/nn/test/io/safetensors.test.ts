import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DType, Tensor, TypedArray } from '@tessera/tensor';
import { memory, tensor, TesseraError } from '@tessera/tensor';
import type { StateDict } from '../../src/module.js';
import {
  loadSafetensors,
  loadSafetensorsIndex,
  parseSafetensors,
  saveSafetensors,
  serializeSafetensors,
} from '../../src/io/safetensors.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

// ---- helpers -------------------------------------------------------------------------------

const utf8 = new TextEncoder();

/** Builds a file from the spec: header length (u64 LE), the header text padded with spaces to 8 bytes, the data. */
function buildFile(headerText: string, data: Uint8Array = new Uint8Array(0), pad = true): Uint8Array {
  const h = utf8.encode(headerText);
  const n = pad ? Math.ceil(h.length / 8) * 8 : h.length;
  const out = new Uint8Array(8 + n + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(h, 8);
  out.fill(0x20, 8 + h.length, 8 + n);
  out.set(data, 8 + n);
  return out;
}

/** Little-endian bytes of values written one by one through a DataView (independent of the library). */
function le(kind: 'f64' | 'f32' | 'i32' | 'i64' | 'u16' | 'u8', values: readonly (number | bigint)[]): Uint8Array {
  const size = { f64: 8, f32: 4, i32: 4, i64: 8, u16: 2, u8: 1 }[kind];
  const out = new Uint8Array(values.length * size);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => {
    if (kind === 'f64') dv.setFloat64(i * 8, v as number, true);
    else if (kind === 'f32') dv.setFloat32(i * 4, v as number, true);
    else if (kind === 'i32') dv.setInt32(i * 4, v as number, true);
    else if (kind === 'i64') dv.setBigInt64(i * 8, BigInt(v), true);
    else if (kind === 'u16') dv.setUint16(i * 2, v as number, true);
    else dv.setUint8(i, v as number);
  });
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function values(t: Tensor): number[] {
  return Array.from(t.dataSync() as ArrayLike<number>);
}

/** Equal as numbers, with NaN equal to NaN and -0 distinct from 0. */
function sameNumbers(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

function dispose(dict: StateDict): void {
  for (const t of Object.values(dict)) t.dispose();
}

function expectError(fn: () => unknown, op: string, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a TesseraError matching ${pattern}`).toBeInstanceOf(TesseraError);
  expect((caught as TesseraError).op).toBe(op);
  expect((caught as TesseraError).message).toMatch(pattern);
}

async function expectRejection(p: Promise<unknown>, op: string, pattern: RegExp): Promise<void> {
  const caught = await p.then(() => undefined, (e: unknown) => e);
  expect(caught, `expected a TesseraError matching ${pattern}`).toBeInstanceOf(TesseraError);
  expect((caught as TesseraError).op).toBe(op);
  expect((caught as TesseraError).message).toMatch(pattern);
}

const f16 = [0x3c00, 0xc100, 0x7bff, 0x068e, 0x0001, 0x03ff, 0x8000, 0x7c00];
const f16Values = [1, -2.5, 65504, 1678 * 2 ** -24, 2 ** -24, 1023 * 2 ** -24, -0, Infinity];
const bf16 = [0x3f80, 0xc020, 0x4049, 0x38d2, 0x0001, 0xff80];
const bf16Values = [1, -2.5, 3.140625, 1.640625 * 2 ** -14, 2 ** -133, -Infinity];

/**
 * tiny.safetensors as the spec lays it out: tensors ordered by descending dtype alignment
 * (I64 > F64 > F32 > I32 > BF16 > F16 > U8 > BOOL), then by name; compact JSON, metadata first.
 */
function tinyFromSpec(): Uint8Array {
  const header =
    '{"__metadata__":{"format":"pt"},' +
    '"long":{"dtype":"I64","shape":[3],"data_offsets":[0,24]},' +
    '"double":{"dtype":"F64","shape":[3],"data_offsets":[24,48]},' +
    '"empty":{"dtype":"F32","shape":[0,3],"data_offsets":[48,48]},' +
    '"scalar":{"dtype":"F32","shape":[],"data_offsets":[48,52]},' +
    '"weight":{"dtype":"F32","shape":[2,3],"data_offsets":[52,76]},' +
    '"ids":{"dtype":"I32","shape":[2,2],"data_offsets":[76,92]},' +
    '"brain":{"dtype":"BF16","shape":[6],"data_offsets":[92,104]},' +
    '"half":{"dtype":"F16","shape":[2,4],"data_offsets":[104,120]},' +
    '"bytes":{"dtype":"U8","shape":[4],"data_offsets":[120,124]},' +
    '"mask":{"dtype":"BOOL","shape":[3],"data_offsets":[124,127]}}';
  const data = concat(
    le('i64', [-5, 2147483647, -2147483648]),
    le('f64', [0.1, -1e300, 2]),
    le('f32', [42]),
    le('f32', [0.5, -1.25, 3, 1e-3, -0, 1e30]),
    le('i32', [-2147483648, 2147483647, 0, -7]),
    le('u16', bf16),
    le('u16', f16),
    le('u8', [0, 1, 128, 255]),
    le('u8', [1, 0, 1]),
  );
  return buildFile(header, data);
}

// ---- reading -------------------------------------------------------------------------------

describe('safetensors: reading', () => {
  it('the spec-built file is byte-identical to the fixture the reference writer made', async () => {
    const fixture = new Uint8Array(await readFile(join(FIXTURES, 'tiny.safetensors')));
    expect(fixture.length).toBe(775);
    expect(Buffer.from(tinyFromSpec()).equals(Buffer.from(fixture))).toBe(true);
  });

  it('decodes every dtype of tiny.safetensors (F16/BF16 → float32, I64/U8 → int32)', async () => {
    const { tensors, metadata } = await loadSafetensors(join(FIXTURES, 'tiny.safetensors'));
    expect(metadata).toEqual({ format: 'pt' });
    expect(Object.keys(tensors)).toEqual(['long', 'double', 'empty', 'scalar', 'weight', 'ids', 'brain', 'half', 'bytes', 'mask']);
    const expectT = (name: string, dtype: DType, shape: number[], vals: number[]): void => {
      const t = tensors[name]!;
      expect([name, t.dtype, t.shape]).toEqual([name, dtype, shape]);
      expect(sameNumbers(values(t), vals), `${name}: ${values(t)} vs ${vals}`).toBe(true);
    };
    expectT('half', 'float32', [2, 4], f16Values);
    expectT('brain', 'float32', [6], bf16Values);
    expectT('weight', 'float32', [2, 3], [0.5, -1.25, 3, Math.fround(1e-3), -0, Math.fround(1e30)]);
    expectT('scalar', 'float32', [], [42]);
    expectT('empty', 'float32', [0, 3], []);
    expectT('double', 'float64', [3], [0.1, -1e300, 2]);
    expectT('ids', 'int32', [2, 2], [-2147483648, 2147483647, 0, -7]);
    expectT('long', 'int32', [3], [-5, 2147483647, -2147483648]);
    expectT('bytes', 'int32', [4], [0, 1, 128, 255]);
    expectT('mask', 'bool', [3], [1, 0, 1]);
    dispose(tensors);
  });

  it('decodes all 65536 F16 bit patterns like the IEEE definition (subnormals, ±0, ±inf, NaN)', () => {
    const bits = Array.from({ length: 65536 }, (_, i) => i);
    const file = buildFile('{"h":{"dtype":"F16","shape":[65536],"data_offsets":[0,131072]}}', le('u16', bits));
    const { tensors } = parseSafetensors(file);
    const got = tensors.h!.dataSync();
    for (const h of bits) {
      const sign = h >> 15 ? -1 : 1;
      const e = (h >> 10) & 31;
      const m = h & 1023;
      const want = e === 0 ? sign * m * 2 ** -24 : e === 31 ? (m ? NaN : sign * Infinity) : sign * 2 ** (e - 15) * (1 + m / 1024);
      if (!sameNumbers([got[h]!], [want])) throw new Error(`F16 0x${h.toString(16)}: got ${got[h]}, want ${want}`);
    }
    dispose(tensors);
  });

  it('widens BF16 exactly (every bit pattern is the top half of the float32)', () => {
    const bits = Array.from({ length: 65536 }, (_, i) => i);
    const file = buildFile('{"b":{"dtype":"BF16","shape":[256,256],"data_offsets":[0,131072]}}', le('u16', bits));
    const { tensors } = parseSafetensors(file);
    const got = new Uint32Array((tensors.b!.dataSync() as Float32Array).slice().buffer);
    for (const h of bits) {
      const want = h << 16;
      // A quiet NaN may come back with its payload canonicalized; anything else must be bit-exact.
      const isNaN = (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;
      if (isNaN ? !Number.isNaN(new Float32Array(new Uint32Array([got[h]!]).buffer)[0]) : got[h] !== want >>> 0) {
        throw new Error(`BF16 0x${h.toString(16)}: got 0x${got[h]!.toString(16)}`);
      }
    }
    dispose(tensors);
  });

  it('reads the small integer types (I8, I16, U16, U32, U64) as int32', () => {
    const data = concat(le('i64', [7n, 0n]), le('i32', [-1 >>> 0, 2147483647].map((v) => v | 0)), le('u16', [0xffff, 1]), le('u16', [0x8000, 0x7fff]), new Uint8Array([0xff, 0x80, 0x7f]));
    const header =
      '{"u64":{"dtype":"U64","shape":[2],"data_offsets":[0,16]},' +
      '"u32":{"dtype":"U32","shape":[2],"data_offsets":[16,24]},' +
      '"u16":{"dtype":"U16","shape":[2],"data_offsets":[24,28]},' +
      '"i16":{"dtype":"I16","shape":[2],"data_offsets":[28,32]},' +
      '"i8":{"dtype":"I8","shape":[3],"data_offsets":[32,35]}}';
    // U32 0xffffffff is out of int32 range: replace it with a valid value first.
    const ok = data.slice();
    new DataView(ok.buffer).setUint32(16, 123, true);
    const { tensors } = parseSafetensors(buildFile(header, ok));
    expect(values(tensors.u64!)).toEqual([7, 0]);
    expect(values(tensors.u32!)).toEqual([123, 2147483647]);
    expect(values(tensors.u16!)).toEqual([65535, 1]);
    expect(values(tensors.i16!)).toEqual([-32768, 32767]);
    expect(values(tensors.i8!)).toEqual([-1, -128, 127]);
    dispose(tensors);
    expectError(() => parseSafetensors(buildFile(header, data)), 'parseSafetensors', /'u32' \(U32\) holds 4294967295 at flat index 0, outside the int32 range/);
  });

  it('reads unaligned data (offsets not a multiple of the element size) and subarray inputs', () => {
    const header = '{"a":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"F64","shape":[2],"data_offsets":[1,17]},"c":{"dtype":"I32","shape":[1],"data_offsets":[17,21]}}';
    const file = buildFile(header, concat(new Uint8Array([1]), le('f64', [1.5, -2]), le('i32', [-9])));
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    for (const bytes of [file, shifted.subarray(3)]) {
      const { tensors } = parseSafetensors(bytes);
      expect(values(tensors.a!)).toEqual([1]);
      expect(values(tensors.b!)).toEqual([1.5, -2]);
      expect(values(tensors.c!)).toEqual([-9]);
      dispose(tensors);
    }
  });

  it('reads BOOL bytes other than 0/1 as true, and honours the device option', () => {
    const file = buildFile('{"m":{"dtype":"BOOL","shape":[4],"data_offsets":[0,4]}}', new Uint8Array([0, 2, 255, 1]));
    const { tensors } = parseSafetensors(file, { device: 'cpu' });
    expect([tensors.m!.dtype, tensors.m!.device, values(tensors.m!)]).toEqual(['bool', 'cpu', [0, 1, 1, 1]]);
    dispose(tensors);
    const live = memory().liveTensors;
    expect(() => parseSafetensors(file, { device: 'tpu' as never })).toThrow(TesseraError);
    expect(memory().liveTensors).toBe(live);
  });

  it('parsed tensors own their data (changing the buffer afterwards does not change them)', () => {
    const file = buildFile('{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', le('f32', [1, 2]));
    const { tensors } = parseSafetensors(file);
    file.fill(0);
    expect(values(tensors.x!)).toEqual([1, 2]);
    dispose(tensors);
  });

  it('accepts an empty file ({} header), names like __proto__, null metadata and extra info fields', () => {
    const empty = parseSafetensors(buildFile('{}'));
    expect(empty).toEqual({ tensors: {}, metadata: {} });
    const { tensors, metadata } = parseSafetensors(
      buildFile('{"__metadata__":null,"__proto__":{"dtype":"I32","shape":[1],"data_offsets":[0,4],"extra":1}}', le('i32', [5])),
    );
    expect(metadata).toEqual({});
    expect(Object.keys(tensors)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    expect(values(tensors['__proto__']!)).toEqual([5]);
    dispose(tensors);
  });
});

// ---- writing -------------------------------------------------------------------------------

describe('safetensors: writing', () => {
  it('matches the reference writer byte for byte (roundtrip.safetensors), whatever the insertion order', async () => {
    const fixture = new Uint8Array(await readFile(join(FIXTURES, 'roundtrip.safetensors')));
    const dict: StateDict = {
      none: tensor(new Float32Array(0), { shape: [2, 0] }),
      mask: tensor([[true, false, false], [false, true, true]]),
      position_ids: tensor(new Int32Array([0, 1, 2, 3, 4]), { shape: [1, 5] }),
      'encoder.weight': tensor(new Float32Array([0, 0.25, 0.5, 0.75, 1, 1.25]), { shape: [2, 3] }),
      scale: tensor(new Float64Array([0.1]), { shape: [] }),
      'encoder.bias': tensor(new Float32Array([-1.5, 2.25])),
    };
    const bytes = await serializeSafetensors(dict, { format: 'pt' });
    expect(Buffer.from(bytes).equals(Buffer.from(fixture))).toBe(true);
    dispose(dict);
  });

  it("reproduces the reference implementation's own serialization test vectors", async () => {
    // safetensors/src/tensor.rs tests: test_serialization, test_serialization_forced_alignement, test_empty.
    const six = new Float32Array([0, 1, 2, 3, 4, 5]);
    const a = tensor(six, { shape: [1, 2, 3] });
    const out = await serializeSafetensors({ 'attn.0': a });
    expect(Array.from(out.subarray(0, 8))).toEqual([64, 0, 0, 0, 0, 0, 0, 0]);
    expect(Buffer.from(out).equals(Buffer.from(buildFile('{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}', le('f32', [...six]))))).toBe(true);
    const b = tensor(six, { shape: [1, 1, 2, 3] });
    const aligned = await serializeSafetensors({ attn0: b });
    expect(aligned[0]).toBe(72);
    expect(Array.from(aligned.subarray(8 + 65, 8 + 72))).toEqual([32, 32, 32, 32, 32, 32, 32]);
    expect(Array.from(await serializeSafetensors({}))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    const withMeta = await serializeSafetensors({}, { framework: 'pt' });
    expect(withMeta[0]).toBe(40);
    expect(new TextDecoder().decode(withMeta.subarray(8))).toBe('{"__metadata__":{"framework":"pt"}}     ');
    a.dispose();
    b.dispose();
  });

  it('writes strided views row-major, sorts metadata keys, escapes names as JSON', async () => {
    const base = tensor(new Float32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] });
    const t = base.T;
    const bytes = await serializeSafetensors({ 'quote"d\n名': t }, { z: '1', a: 'ü' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(header.trimEnd()).toBe('{"__metadata__":{"a":"ü","z":"1"},"quote\\"d\\n名":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]}}');
    const { tensors, metadata } = parseSafetensors(bytes);
    expect(metadata).toEqual({ a: 'ü', z: '1' });
    expect(values(tensors['quote"d\n名']!)).toEqual([1, 4, 2, 5, 3, 6]);
    dispose(tensors);
    base.dispose();
    t.dispose();
  });

  it('round-trips random float32/float64/int32/bool tensors (0-d, empty, NaN, -0) and metadata', async () => {
    const dtypeArb = fc.constantFrom<DType>('float32', 'float64', 'int32', 'bool');
    const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 });
    const entryArb = fc.tuple(dtypeArb, shapeArb).chain(([dtype, shape]) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const vals =
        dtype === 'float32' ? fc.array(fc.float(), { minLength: n, maxLength: n }).map((v) => Float32Array.from(v))
        : dtype === 'float64' ? fc.array(fc.double(), { minLength: n, maxLength: n }).map((v) => Float64Array.from(v))
        : dtype === 'int32' ? fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: n, maxLength: n }).map((v) => Int32Array.from(v))
        : fc.array(fc.boolean(), { minLength: n, maxLength: n }).map((v) => Uint8Array.from(v, Number));
      return vals.map((data) => ({ dtype, shape, data: data as TypedArray }));
    });
    const nameArb = fc.string({ maxLength: 6 }).filter((s) => s !== '__metadata__');
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(nameArb, entryArb, { maxKeys: 5 }),
        fc.option(fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 3 }), { nil: undefined }),
        async (entries, meta) => {
          const dict: StateDict = {};
          for (const [k, e] of Object.entries(entries)) {
            Object.defineProperty(dict, k, { value: tensor(e.data, { shape: e.shape, dtype: e.dtype }), enumerable: true });
          }
          const bytes = await serializeSafetensors(dict, meta);
          expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
          const { tensors, metadata } = parseSafetensors(bytes);
          expect(metadata).toEqual(meta ?? {});
          expect(Object.keys(tensors).sort()).toEqual(Object.keys(entries).sort());
          for (const [k, e] of Object.entries(entries)) {
            const t = tensors[k]!;
            expect(t.dtype).toBe(e.dtype);
            expect(t.shape).toEqual(e.shape);
            const got = t.dataSync();
            expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength))).toBe(true);
          }
          dispose(tensors);
          dispose(dict);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('refuses what it cannot write', async () => {
    const t = tensor([1, 2]);
    await expectRejection(serializeSafetensors({ x: [1, 2] as unknown as Tensor }), 'serializeSafetensors', /entry 'x' must be a Tensor/);
    await expectRejection(serializeSafetensors({ __metadata__: t }), 'serializeSafetensors', /reserves it for metadata/);
    await expectRejection(serializeSafetensors({ t }, { n: 1 as unknown as string }), 'serializeSafetensors', /value for 'n' must be a string/);
    await expectRejection(serializeSafetensors(null as unknown as StateDict), 'serializeSafetensors', /must be an object of tensors/);
    const gone = tensor([1]);
    gone.dispose();
    await expectRejection(serializeSafetensors({ gone }), 'serializeSafetensors', /was disposed/);
    t.dispose();
  });
});

// ---- files -------------------------------------------------------------------------------

describe('safetensors: files and sharded checkpoints', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-safetensors-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('saves atomically (no temp file left, an existing file replaced whole) and loads back', async () => {
    const path = join(dir, 'model.safetensors');
    await writeFile(path, 'old contents');
    const dict: StateDict = { w: tensor([[1, 2], [3, 4]]), b: tensor(new Float64Array([0.5])), m: tensor([true, false]) };
    await saveSafetensors(path, dict, { format: 'pt' });
    expect((await readdir(dir)).filter((f) => f !== 'model.safetensors')).toEqual([]);
    const { tensors, metadata } = await loadSafetensors(path);
    expect(metadata).toEqual({ format: 'pt' });
    expect(Object.keys(tensors)).toEqual(['b', 'w', 'm']); // F64, then F32, then BOOL
    expect(values(tensors.w!)).toEqual([1, 2, 3, 4]);
    dispose(tensors);
    dispose(dict);
  });

  it('a failed save leaves nothing behind and names the path', async () => {
    const path = join(dir, 'no-such-folder', 'x.safetensors');
    const t = tensor([1]);
    await expectRejection(saveSafetensors(path, { t }), 'saveSafetensors', /no-such-folder.*failed \(no such file\)/);
    t.dispose();
  });

  it('load errors name the file', async () => {
    await expectRejection(loadSafetensors(join(dir, 'missing.safetensors')), 'loadSafetensors', /missing\.safetensors failed \(no such file\)/);
    const cut = join(dir, 'cut.safetensors');
    await writeFile(cut, tinyFromSpec().subarray(0, 700));
    await expectRejection(loadSafetensors(cut), 'loadSafetensors', /cut\.safetensors\) is not a valid safetensors file: .*beyond the end of the data.*truncated/);
  });

  it('merges the shards of model.safetensors.index.json', async () => {
    const folder = join(dir, 'sharded');
    await mkdir(join(folder, 'sub'), { recursive: true });
    const a = { 'layer.0.weight': tensor([[1, 2]]), 'layer.0.bias': tensor([3]) };
    const b = { 'layer.1.weight': tensor([[4, 5]]), 'extra.buffer': tensor(new Int32Array([9])) };
    await saveSafetensors(join(folder, 'model-00001-of-00002.safetensors'), a, { format: 'pt' });
    await saveSafetensors(join(folder, 'sub', 'model-00002-of-00002.safetensors'), b, { format: 'pt', shard: '2' });
    const weightMap = {
      'layer.0.weight': 'model-00001-of-00002.safetensors',
      'layer.1.weight': 'sub/model-00002-of-00002.safetensors',
      'layer.0.bias': 'model-00001-of-00002.safetensors',
    };
    await writeFile(join(folder, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 24 }, weight_map: weightMap }));
    const live = memory().liveTensors;
    const merged = await loadSafetensorsIndex(folder);
    expect(Object.keys(merged.tensors)).toEqual(['layer.0.weight', 'layer.1.weight', 'layer.0.bias', 'extra.buffer']);
    expect(merged.shards).toEqual(['model-00001-of-00002.safetensors', 'sub/model-00002-of-00002.safetensors']);
    expect(merged.metadata).toEqual({ format: 'pt', shard: '2' });
    expect(merged.indexMetadata).toEqual({ total_size: 24 });
    expect(values(merged.tensors['layer.1.weight']!)).toEqual([4, 5]);
    expect(values(merged.tensors['extra.buffer']!)).toEqual([9]);
    dispose(merged.tensors);
    expect(memory().liveTensors).toBe(live);

    // A name mapped to the wrong shard, a missing tensor, a duplicate, an escaping path, a broken index.
    const write = (index: unknown): Promise<void> => writeFile(join(folder, 'model.safetensors.index.json'), typeof index === 'string' ? index : JSON.stringify(index));
    await write({ weight_map: { ...weightMap, 'layer.0.bias': 'sub/model-00002-of-00002.safetensors' } });
    await expectRejection(loadSafetensorsIndex(folder), 'loadSafetensorsIndex', /puts tensor 'layer\.0\.bias' in sub\/model-00002-of-00002\.safetensors, but it is in model-00001/);
    expect(memory().liveTensors).toBe(live);
    await write({ weight_map: { ...weightMap, 'layer.2.weight': 'model-00001-of-00002.safetensors' } });
    await expectRejection(loadSafetensorsIndex(folder), 'loadSafetensorsIndex', /'layer\.2\.weight'.*no shard holds it/);
    await saveSafetensors(join(folder, 'dup.safetensors'), { 'layer.0.bias': a['layer.0.bias'] });
    await write({ weight_map: { ...weightMap, other: 'dup.safetensors' } });
    await expectRejection(loadSafetensorsIndex(folder), 'loadSafetensorsIndex', /'layer\.0\.bias' is in two shards/);
    await write({ weight_map: { x: '../outside.safetensors' } });
    await expectRejection(loadSafetensorsIndex(folder), 'loadSafetensorsIndex', /outside the folder/);
    await write('{"weight_map": ');
    await expectRejection(loadSafetensorsIndex(folder), 'loadSafetensorsIndex', /is not valid JSON/);
    await write({ metadata: {} });
    await expectRejection(loadSafetensorsIndex(folder), 'loadSafetensorsIndex', /no "weight_map" object/);
    await expectRejection(loadSafetensorsIndex(join(dir, 'nowhere')), 'loadSafetensorsIndex', /model\.safetensors\.index\.json failed \(no such file\)/);
    await write({ weight_map: { 'layer.0.weight': 'gone.safetensors' } });
    await expectRejection(loadSafetensorsIndex(folder), 'loadSafetensors', /gone\.safetensors failed \(no such file\)/);
    expect(memory().liveTensors).toBe(live);
    dispose(a);
    dispose(b);
  });
});

// ---- malformed files -------------------------------------------------------------------------

describe('safetensors: malformed files give clear errors', () => {
  const T = (info: string, data: Uint8Array = new Uint8Array(8)): Uint8Array => buildFile(`{"x":${info}}`, data);
  const F32x2 = '{"dtype":"F32","shape":[2],"data_offsets":[0,8]}';

  const cases: [string, () => Uint8Array, RegExp][] = [
    ['shorter than the length field', () => new Uint8Array(5), /5 bytes long, shorter than the 8-byte header length/],
    ['header length beyond the file', () => {
      const f = T(F32x2);
      new DataView(f.buffer).setBigUint64(0, 1000n, true);
      return f;
    }, /header length 1000 is beyond the end of the file \(\d+ bytes/],
    ['header length over 100 MB', () => {
      const f = T(F32x2);
      new DataView(f.buffer).setBigUint64(0, 2n ** 63n, true);
      return f;
    }, /header length 9223372036854775808 is over the 100 MB limit, beyond the end of the file/],
    ['header not UTF-8', () => {
      const f = buildFile('{"?":1}');
      f[10] = 0xff;
      return f;
    }, /header is not valid UTF-8/],
    ['header with a byte-order mark', () => buildFile('\ufeff{}'), /header is not valid JSON/],
    ['header not JSON', () => buildFile('{"x": {"dtype": "F32",'), /header is not valid JSON \(/],
    ['header not an object', () => buildFile('[1,2]'), /header must be a JSON object, got \[1,2\]/],
    ['metadata not strings', () => buildFile('{"__metadata__":{"epoch":3}}'), /"__metadata__" value for "epoch" must be a string, got 3/],
    ['metadata not an object', () => buildFile('{"__metadata__":"pt"}'), /"__metadata__" must be an object of strings/],
    ['entry not an object', () => buildFile('{"x":[0,8]}'), /tensor 'x' must be described by an object \{dtype, shape, data_offsets\}/],
    ['unknown dtype', () => T('{"dtype":"F99","shape":[2],"data_offsets":[0,8]}'), /tensor 'x' has unknown dtype "F99" \(known: BOOL, U8/],
    ['dtype not a string', () => T('{"shape":[2],"data_offsets":[0,8]}'), /tensor 'x' has dtype nothing; expected a string/],
    ['unsupported FP8', () => T('{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}'), /dtype F8_E4M3: FP8 tensors are not supported by Tessera/],
    ['negative dim', () => T('{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}'), /shape \[-2\]; expected an array of non-negative integers/],
    ['fractional dim', () => T('{"dtype":"F32","shape":[1.5],"data_offsets":[0,8]}'), /shape \[1\.5\]/],
    ['shape not an array', () => T('{"dtype":"F32","shape":2,"data_offsets":[0,8]}'), /shape 2; expected an array/],
    ['three offsets', () => T('{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}'), /data_offsets \[0,4,8\]; expected \[begin, end\]/],
    ['offsets missing', () => T('{"dtype":"F32","shape":[2]}'), /data_offsets nothing; expected \[begin, end\]/],
    ['end before begin', () => T('{"dtype":"F32","shape":[0],"data_offsets":[8,0]}'), /data_offsets \[8, 0\] that end before they begin/],
    ['shape/offset size mismatch', () => T('{"dtype":"F32","shape":[3],"data_offsets":[0,8]}'), /shape \[3\] of F32, which needs 12 bytes, but its data_offsets \[0, 8\] span 8/],
    ['dims overflowing', () => T('{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}'), /too large to address/],
    ['offsets out of range (truncated data)', () => T(F32x2, new Uint8Array(6)), /data_offsets \[0, 8\] beyond the end of the data \(6 bytes after the header\): the file is truncated/],
    ['overlapping tensors', () => buildFile('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', new Uint8Array(8)), /tensors 'a' \[0, 8\] and 'b' \[4, 8\] overlap/],
    ['a gap between tensors', () => buildFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}', new Uint8Array(12)), /data bytes \[4, 8\) before tensor 'b' belong to no tensor/],
    ['a gap at the start', () => T('{"dtype":"F32","shape":[1],"data_offsets":[4,8]}'), /data bytes \[0, 4\) before tensor 'x'/],
    ['trailing bytes', () => T(F32x2, new Uint8Array(12)), /the tensors cover 8 bytes of data but 12 follow the header \(4 trailing bytes/],
    ['I64 out of int32 range', () => T('{"dtype":"I64","shape":[2],"data_offsets":[0,16]}', le('i64', [1n, -(2n ** 40n)])), /'x' \(I64\) holds -1099511627776 at flat index 1, outside the int32 range/],
    ['U64 out of int32 range', () => T('{"dtype":"U64","shape":[1],"data_offsets":[0,8]}', le('i64', [2n ** 31n])), /'x' \(U64\) holds 2147483648 at flat index 0/],
  ];

  it.each(cases)('%s', (_, make, pattern) => {
    const live = memory().liveTensors;
    expectError(() => parseSafetensors(make()), 'parseSafetensors', pattern);
    expect(memory().liveTensors).toBe(live);
  });

  it('errors name the argument, and tensors made before a failing one are disposed', () => {
    const live = memory().liveTensors;
    const file = buildFile(
      '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"I64","shape":[1],"data_offsets":[4,12]}}',
      concat(le('f32', [1]), le('i64', [2n ** 33n])),
    );
    expectError(() => parseSafetensors(file), 'parseSafetensors', /^parseSafetensors: argument 'bytes' is not a valid safetensors file: tensor 'b'/);
    expect(memory().liveTensors).toBe(live);
  });

  it('refuses non-byte input', () => {
    expectError(() => parseSafetensors('abc' as unknown as Uint8Array), 'parseSafetensors', /must be a Uint8Array \(or Buffer\) of file bytes, got string/);
    expectError(() => parseSafetensors(new Float32Array(4) as unknown as Uint8Array), 'parseSafetensors', /must be a Uint8Array/);
  });
});

// ---- fuzzing -------------------------------------------------------------------------------

/**
 * A deliberately naive decoder (JSON.parse plus DataView reads) that knows nothing of validation:
 * whenever the library accepts a file, its tensors must be what this reads from the same bytes.
 */
function referenceDecode(bytes: Uint8Array): Map<string, { dtype: DType; shape: number[]; values: number[] }> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const out = new Map<string, { dtype: DType; shape: number[]; values: number[] }>();
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const at = 8 + n + info.data_offsets[0];
    const count = info.shape.reduce((a, b) => a * b, 1);
    const vals: number[] = [];
    const half = (h: number): number => {
      const e = (h >> 10) & 31;
      const m = h & 1023;
      const s = h & 0x8000 ? -1 : 1;
      return e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * 2 ** (e - 15) * (1 + m / 1024);
    };
    const dtype: DType = ({ F32: 'float32', F64: 'float64', F16: 'float32', BF16: 'float32', BOOL: 'bool' } as Record<string, DType>)[info.dtype] ?? 'int32';
    for (let i = 0; i < count; i++) {
      switch (info.dtype) {
        case 'F32': vals.push(dv.getFloat32(at + 4 * i, true)); break;
        case 'F64': vals.push(dv.getFloat64(at + 8 * i, true)); break;
        case 'F16': vals.push(half(dv.getUint16(at + 2 * i, true))); break;
        case 'BF16': vals.push(new Float32Array(new Uint32Array([dv.getUint16(at + 2 * i, true) << 16]).buffer)[0]!); break;
        case 'I32': vals.push(dv.getInt32(at + 4 * i, true)); break;
        case 'U32': vals.push(dv.getUint32(at + 4 * i, true)); break;
        case 'I64': vals.push(Number(dv.getBigInt64(at + 8 * i, true))); break;
        case 'U64': vals.push(Number(dv.getBigUint64(at + 8 * i, true))); break;
        case 'I16': vals.push(dv.getInt16(at + 2 * i, true)); break;
        case 'U16': vals.push(dv.getUint16(at + 2 * i, true)); break;
        case 'I8': vals.push(dv.getInt8(at + i)); break;
        case 'U8': vals.push(dv.getUint8(at + i)); break;
        case 'BOOL': vals.push(dv.getUint8(at + i) ? 1 : 0); break;
        default: throw new Error(`reference decoder: dtype ${info.dtype}`);
      }
    }
    out.set(name, { dtype, shape: info.shape, values: vals });
  }
  return out;
}

/** Parses `bytes`: it must either throw a TesseraError or agree with the reference decoder. Returns whether it parsed. */
function checkParse(bytes: Uint8Array): boolean {
  let parsed;
  try {
    parsed = parseSafetensors(bytes);
  } catch (e) {
    if (!(e instanceof TesseraError) || e.op !== 'parseSafetensors') throw e;
    return false;
  }
  const ref = referenceDecode(bytes);
  expect(new Set(Object.keys(parsed.tensors))).toEqual(new Set(ref.keys()));
  for (const [name, r] of ref) {
    const t = parsed.tensors[name]!;
    expect([name, t.dtype, t.shape]).toEqual([name, r.dtype, r.shape]);
    if (!sameNumbers(values(t), r.values)) throw new Error(`tensor ${name}: ${values(t)} vs reference ${r.values}`);
  }
  dispose(parsed.tensors);
  return true;
}

describe('safetensors: fuzzing', () => {
  const base = tinyFromSpec();
  const headerEnd = 8 + Number(new DataView(base.buffer).getBigUint64(0, true));

  it('byte changes anywhere either parse consistently or throw TesseraError; data-only changes always parse', () => {
    const live = memory().liveTensors;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: base.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
        const bytes = base.slice();
        for (const [i, b] of edits) bytes[i] = b;
        const ok = checkParse(bytes);
        // The data section has no redundancy except I64 range (bytes 0..23 of data hold I64 values).
        if (edits.every(([i]) => i >= headerEnd + 24)) expect(ok).toBe(true);
      }),
      { numRuns: 400 },
    );
    expect(memory().liveTensors).toBe(live);
  });

  it('header edits with JSON-significant characters never crash', () => {
    const alphabet = [...'0123456789-.eE+,:[]{}" \\nultrfa'].map((c) => c.charCodeAt(0)).concat([0, 0x80, 0xc3, 0xff]);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 8, max: headerEnd - 1 }), fc.constantFrom(...alphabet)), { minLength: 1, maxLength: 3 }),
        (edits) => {
          const bytes = base.slice();
          for (const [i, b] of edits) bytes[i] = b;
          checkParse(bytes);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('every truncation throws TesseraError; so does a corrupted length field', () => {
    for (let len = 0; len < base.length; len++) {
      expect(checkParse(base.subarray(0, len)), `truncated to ${len}`).toBe(false);
    }
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (n) => {
        const bytes = base.slice();
        new DataView(bytes.buffer).setBigUint64(0, n, true);
        expect(checkParse(bytes)).toBe(n === BigInt(headerEnd - 8));
      }),
      { numRuns: 200 },
    );
  });

  it('random bytes and spliced files never crash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat({ max: base.length }), fc.nat({ max: base.length }), (junk, cut, paste) => {
        checkParse(junk);
        checkParse(concat(base.subarray(0, cut), junk, base.subarray(Math.min(cut, paste))));
      }),
      { numRuns: 300 },
    );
  });
});
