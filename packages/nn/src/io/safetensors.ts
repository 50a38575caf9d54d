import type { DeviceName, DType, Tensor, TypedArray } from '@tessera/tensor';
import { fmtShape, getBackend, getDefaultDevice, Tensor as TensorClass, TesseraError } from '@tessera/tensor';
import type { StateDict } from '../module.js';

/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of UTF-8 JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {string: string}}`, then the
 * raw little-endian, row-major tensor bytes; offsets count from the first byte after the header.
 *
 * Node's fs is imported lazily by the file functions, so parsing and serializing also work in browsers.
 */

/** Element types of the format, in the reference implementation's order (ascending alignment). */
const FORMAT_DTYPES = [
  'BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64',
] as const;
type FormatDType = (typeof FORMAT_DTYPES)[number];

/** What Tessera reads: format dtype → bytes per element and the Tessera dtype it becomes. */
const READABLE: Partial<Record<FormatDType, { size: number; to: DType }>> = {
  BOOL: { size: 1, to: 'bool' },
  U8: { size: 1, to: 'int32' },
  I8: { size: 1, to: 'int32' },
  I16: { size: 2, to: 'int32' },
  U16: { size: 2, to: 'int32' },
  F16: { size: 2, to: 'float32' },
  BF16: { size: 2, to: 'float32' },
  I32: { size: 4, to: 'int32' },
  U32: { size: 4, to: 'int32' },
  F32: { size: 4, to: 'float32' },
  F64: { size: 8, to: 'float64' },
  I64: { size: 8, to: 'int32' },
  U64: { size: 8, to: 'int32' },
};
const UNSUPPORTED: Partial<Record<string, string>> = {
  F8_E5M2: 'FP8 tensors are not supported',
  F8_E4M3: 'FP8 tensors are not supported',
  F8_E8M0: 'FP8 tensors are not supported',
  F4: 'FP4 tensors are not supported',
  F6_E2M3: 'FP6 tensors are not supported',
  F6_E3M2: 'FP6 tensors are not supported',
  C64: 'complex tensors are not supported',
};
const WRITTEN: Record<DType, FormatDType> = { float64: 'F64', float32: 'F32', int32: 'I32', bool: 'BOOL' };

/** The reference implementation refuses headers over 100 MB. */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface SafetensorsOptions {
  /** Where the tensors are created (default: the default device). */
  device?: DeviceName;
}

export interface SafetensorsContents {
  /** Tensors by name, in file (data offset) order. */
  tensors: StateDict;
  /** The header's `__metadata__` (string → string); `{}` when absent. */
  metadata: Record<string, string>;
}

interface Entry {
  name: string;
  dtype: FormatDType;
  shape: number[];
  begin: number;
  end: number;
}

/** Where a parse error is reported: `parseSafetensors` (bytes) or `loadSafetensors` (a file). */
interface Source {
  op: string;
  arg: string;
  /** The file, for messages; '' for bytes. */
  what: string;
}

function invalid(src: Source, detail: string): TesseraError {
  return new TesseraError(src.op, src.arg, `${src.what ? `(${src.what}) ` : ''}is not a valid safetensors file: ${detail}`);
}

function describeJson(v: unknown): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    s = undefined;
  }
  if (s === undefined) s = v === undefined ? 'nothing' : `a ${typeof v}`;
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isSize(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Sets a key without invoking setters (a tensor may be named `__proto__`). */
function define<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Parses and validates the header: every entry well formed, sizes matching shapes and dtypes, and
 * the offsets tiling the data section exactly (no gap, no overlap, nothing past the end).
 * Returns the entries in offset order.
 */
function readHeader(bytes: Uint8Array, src: Source): { entries: Entry[]; metadata: Record<string, string>; dataStart: number } {
  const total = bytes.length;
  if (total < 8) {
    throw invalid(src, `it is ${total} bytes long, shorter than the 8-byte header length that starts every safetensors file`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = dv.getBigUint64(0, true);
  if (headerLen > BigInt(MAX_HEADER_BYTES)) {
    const beyond = headerLen > BigInt(total - 8) ? `, beyond the end of the file (${total} bytes)` : '';
    throw invalid(src, `its header length ${headerLen} is over the 100 MB limit${beyond}; the file is corrupt or not safetensors`);
  }
  const n = Number(headerLen);
  if (8 + n > total) {
    throw invalid(src, `its header length ${n} is beyond the end of the file (${total} bytes, so at most ${total - 8} for the header): the file is truncated or not safetensors`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw invalid(src, 'its header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw invalid(src, `its header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(header)) throw invalid(src, `its header must be a JSON object, got ${describeJson(header)}`);

  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      if (info === null) continue;
      if (!isPlainObject(info)) throw invalid(src, `its "${METADATA_KEY}" must be an object of strings, got ${describeJson(info)}`);
      for (const [k, v] of Object.entries(info)) {
        if (typeof v !== 'string') throw invalid(src, `its "${METADATA_KEY}" value for "${k}" must be a string, got ${describeJson(v)}`);
        define(metadata, k, v);
      }
      continue;
    }
    const where = `tensor '${name}'`;
    if (!isPlainObject(info)) throw invalid(src, `${where} must be described by an object {dtype, shape, data_offsets}, got ${describeJson(info)}`);
    const { dtype, shape, data_offsets: offsets } = info;
    if (typeof dtype !== 'string') throw invalid(src, `${where} has dtype ${describeJson(dtype)}; expected a string such as "F32"`);
    if (UNSUPPORTED[dtype] !== undefined) throw invalid(src, `${where} has dtype ${dtype}: ${UNSUPPORTED[dtype]} by Tessera`);
    if (!(FORMAT_DTYPES as readonly string[]).includes(dtype)) {
      throw invalid(src, `${where} has unknown dtype ${describeJson(dtype)} (known: ${Object.keys(READABLE).join(', ')})`);
    }
    if (!Array.isArray(shape) || !shape.every(isSize)) {
      throw invalid(src, `${where} has shape ${describeJson(shape)}; expected an array of non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isSize)) {
      throw invalid(src, `${where} has data_offsets ${describeJson(offsets)}; expected [begin, end], two non-negative integers`);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) throw invalid(src, `${where} has data_offsets [${begin}, ${end}] that end before they begin`);
    entries.push({ name, dtype: dtype as FormatDType, shape: shape as number[], begin, end });
  }

  const dataStart = 8 + n;
  const dataLen = total - dataStart;
  for (const e of entries) {
    const size = READABLE[e.dtype]!.size;
    const count = e.shape.reduce((a, b) => a * b, 1);
    const nbytes = count * size;
    if (!Number.isSafeInteger(nbytes)) throw invalid(src, `tensor '${e.name}' has shape ${fmtShape(e.shape)}, too large to address`);
    if (nbytes !== e.end - e.begin) {
      throw invalid(src, `tensor '${e.name}' has shape ${fmtShape(e.shape)} of ${e.dtype}, which needs ${nbytes} bytes, but its data_offsets [${e.begin}, ${e.end}] span ${e.end - e.begin}`);
    }
    if (e.end > dataLen) {
      throw invalid(src, `tensor '${e.name}' has data_offsets [${e.begin}, ${e.end}] beyond the end of the data (${dataLen} bytes after the header): the file is truncated`);
    }
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: Entry | undefined;
  for (const e of entries) {
    if (e.begin < covered) {
      throw invalid(src, `tensors '${previous!.name}' [${previous!.begin}, ${previous!.end}] and '${e.name}' [${e.begin}, ${e.end}] overlap`);
    }
    if (e.begin > covered) {
      throw invalid(src, `data bytes [${covered}, ${e.begin}) before tensor '${e.name}' belong to no tensor (the offsets must cover the data without gaps)`);
    }
    covered = e.end;
    previous = e;
  }
  if (covered !== dataLen) {
    throw invalid(src, `the tensors cover ${covered} bytes of data but ${dataLen} follow the header (${dataLen - covered} trailing bytes belong to no tensor)`);
  }
  return { entries, metadata, dataStart };
}

let halfTable: Float32Array | undefined;

/** IEEE 754 binary16 bit pattern → value, for every pattern (subnormals, ±0, ±inf, NaN). */
function halfToFloat(): Float32Array {
  if (halfTable) return halfTable;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) table[h] = sign * mant * 2 ** -24;
    else if (exp === 31) table[h] = mant ? NaN : sign * Infinity;
    else table[h] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return (halfTable = table);
}

/** A typed array of `count` elements at `bytes[at..]`: a view when aligned, else a copy. Little-endian hosts only. */
function typedAt<T extends Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array>(
  Ctor: { new (buffer: ArrayBuffer, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number },
  bytes: Uint8Array,
  at: number,
  count: number,
): T {
  const abs = bytes.byteOffset + at;
  if (abs % Ctor.BYTES_PER_ELEMENT === 0) return new Ctor(bytes.buffer as ArrayBuffer, abs, count);
  const copy = bytes.slice(at, at + count * Ctor.BYTES_PER_ELEMENT);
  return new Ctor(copy.buffer, 0, count);
}

/** Decodes one validated entry into the typed array of its Tessera dtype. */
function decode(bytes: Uint8Array, at: number, e: Entry, src: Source): TypedArray {
  const count = (e.end - e.begin) / READABLE[e.dtype]!.size;
  const dv = new DataView(bytes.buffer, bytes.byteOffset + at, e.end - e.begin);
  const u16 = (i: number): number => bytes[at + 2 * i]! | (bytes[at + 2 * i + 1]! << 8);
  const outOfRange = (i: number, value: bigint | number): TesseraError =>
    invalid(src, `tensor '${e.name}' (${e.dtype}) holds ${value} at flat index ${i}, outside the int32 range Tessera stores integers in`);
  switch (e.dtype) {
    case 'BOOL': {
      const raw = bytes.subarray(at, at + count);
      return raw.every((v) => v <= 1) ? raw : raw.map((v) => (v ? 1 : 0));
    }
    case 'U8':
      return Int32Array.from(bytes.subarray(at, at + count));
    case 'I8':
      return Int32Array.from(new Int8Array(bytes.buffer, bytes.byteOffset + at, count));
    case 'I16':
    case 'U16': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = e.dtype === 'I16' ? dv.getInt16(2 * i, true) : dv.getUint16(2 * i, true);
      return out;
    }
    case 'F16': {
      const table = halfToFloat();
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = table[u16(i)]!;
      return out;
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32: widening is exact (NaN payloads, subnormals included).
      const bits = new Uint32Array(count);
      for (let i = 0; i < count; i++) bits[i] = u16(i) << 16;
      return new Float32Array(bits.buffer);
    }
    case 'I32':
      if (LITTLE_ENDIAN) return typedAt(Int32Array, bytes, at, count);
      return Int32Array.from({ length: count }, (_, i) => dv.getInt32(4 * i, true));
    case 'U32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const v = dv.getUint32(4 * i, true);
        if (v > 0x7fffffff) throw outOfRange(i, v);
        out[i] = v;
      }
      return out;
    }
    case 'F32':
      if (LITTLE_ENDIAN) return typedAt(Float32Array, bytes, at, count);
      return Float32Array.from({ length: count }, (_, i) => dv.getFloat32(4 * i, true));
    case 'F64':
      if (LITTLE_ENDIAN) return typedAt(Float64Array, bytes, at, count);
      return Float64Array.from({ length: count }, (_, i) => dv.getFloat64(8 * i, true));
    case 'I64':
    case 'U64': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const lo = dv.getInt32(8 * i, true);
        const hi = dv.getInt32(8 * i + 4, true);
        // In range exactly when the high word is the sign extension of the low word (U64: and it is non-negative).
        if (hi !== lo >> 31 || (e.dtype === 'U64' && hi !== 0)) {
          throw outOfRange(i, e.dtype === 'I64' ? dv.getBigInt64(8 * i, true) : dv.getBigUint64(8 * i, true));
        }
        out[i] = lo;
      }
      return out;
    }
    default:
      throw invalid(src, `tensor '${e.name}' has dtype ${e.dtype}, which Tessera cannot read`);
  }
}

function parseWith(bytes: Uint8Array, opts: SafetensorsOptions, src: Source): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) {
    throw new TesseraError(src.op, src.arg, `must be a Uint8Array (or Buffer) of file bytes, got ${bytes === null ? 'null' : typeof bytes}`);
  }
  const { entries, metadata, dataStart } = readHeader(bytes, src);
  const device = opts.device ?? getDefaultDevice();
  const backend = getBackend(device, src.op);
  if (!backend.supportsFloat64 && entries.some((e) => e.dtype === 'F64')) {
    const name = entries.find((e) => e.dtype === 'F64')!.name;
    throw new TesseraError(src.op, 'device', `is ${device}, which has no float64, but tensor '${name}' is F64: load on the cpu device and cast to float32 first`);
  }
  const tensors: StateDict = {};
  const created: Tensor[] = [];
  try {
    for (const e of entries) {
      const values = decode(bytes, dataStart + e.begin, e, src);
      // The backend copies `values` (which may view `bytes`) into its own storage: one copy, as `tensor()` makes two.
      const t = new TensorClass(backend.fromArray(values, READABLE[e.dtype]!.to), e.shape);
      created.push(t);
      define(tensors, e.name, t);
    }
  } catch (err) {
    for (const t of created) t.dispose();
    throw err;
  }
  return { tensors, metadata };
}

/**
 * Reads a safetensors file's bytes (safetensors.torch.load plus the header metadata). F16 and BF16
 * become float32; I8/U8/I16/U16/U32/I64/U64 become int32 (values outside int32 are an error).
 * A malformed or truncated file is a TesseraError that says what is wrong.
 */
export function parseSafetensors(bytes: Uint8Array, opts: SafetensorsOptions = {}): SafetensorsContents {
  return parseWith(bytes, opts, { op: 'parseSafetensors', arg: 'bytes', what: '' });
}

/** Code-point order, as the reference writer compares names (Rust `str` order). */
function compareNames(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/**
 * Serializes tensors to safetensors bytes, exactly as the reference writer lays them out: tensors
 * ordered by descending dtype alignment, then by name; compact JSON header (metadata first, its keys
 * sorted) padded with spaces to a multiple of 8 bytes. float32/float64/int32/bool become F32/F64/I32/BOOL.
 * Async because tensors on the GPU are read asynchronously.
 */
export async function serializeSafetensors(dict: StateDict, metadata?: Record<string, string>): Promise<Uint8Array> {
  const op = 'serializeSafetensors';
  if (!isPlainObject(dict)) throw new TesseraError(op, 'dict', `must be an object of tensors by name, got ${describeJson(dict)}`);
  if (metadata !== undefined && metadata !== null) {
    if (!isPlainObject(metadata)) throw new TesseraError(op, 'metadata', `must be an object of strings, got ${describeJson(metadata)}`);
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new TesseraError(op, 'metadata', `value for '${k}' must be a string, got ${describeJson(v)}`);
    }
  }
  const items = Object.entries(dict).map(([name, t]) => {
    if (name === METADATA_KEY) throw new TesseraError(op, 'dict', `cannot hold a tensor named '${METADATA_KEY}': the format reserves it for metadata`);
    if (!(t instanceof TensorClass)) throw new TesseraError(op, 'dict', `entry '${name}' must be a Tensor, got ${describeJson(t)}`);
    t.assertAlive(op, name);
    return { name, t, dtype: WRITTEN[t.dtype] };
  });
  const rank = (d: FormatDType): number => FORMAT_DTYPES.indexOf(d);
  items.sort((a, b) => rank(b.dtype) - rank(a.dtype) || compareNames(a.name, b.name));

  const parts: string[] = [];
  if (metadata !== undefined && metadata !== null) {
    const keys = Object.keys(metadata).sort(compareNames);
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',')}}`);
  }
  let offset = 0;
  const layout = items.map((item) => {
    const nbytes = item.t.numel * (item.dtype === 'F64' ? 8 : item.dtype === 'BOOL' ? 1 : 4);
    const at = offset;
    offset += nbytes;
    parts.push(`${JSON.stringify(item.name)}:{"dtype":"${item.dtype}","shape":[${item.t.shape.join(',')}],"data_offsets":[${at},${offset}]}`);
    return { ...item, at, nbytes };
  });
  const headerText = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(headerText.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(headerLen), true);
  out.set(headerText, 8);
  out.fill(0x20, 8 + headerText.length, 8 + headerLen);
  const dataStart = 8 + headerLen;
  for (const item of layout) {
    const values = await item.t.data();
    const at = dataStart + item.at;
    if (item.dtype === 'BOOL') {
      for (let i = 0; i < values.length; i++) out[at + i] = values[i] ? 1 : 0;
    } else if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(values.buffer, values.byteOffset, item.nbytes), at);
    } else {
      for (let i = 0; i < values.length; i++) {
        if (item.dtype === 'F64') dv.setFloat64(at + 8 * i, values[i]!, true);
        else if (item.dtype === 'F32') dv.setFloat32(at + 4 * i, values[i]!, true);
        else dv.setInt32(at + 4 * i, values[i]!, true);
      }
    }
  }
  return out;
}

function fsError(op: string, path: string, doing: string, err: unknown): TesseraError {
  const e = err as NodeJS.ErrnoException;
  const hint = e.code === 'ENOENT' ? ' (no such file)' : e.code === 'EACCES' ? ' (permission denied)' : '';
  return new TesseraError(op, 'path', `${doing} ${path} failed${hint}: ${e.message ?? String(err)}`);
}

/** Reads a .safetensors file (Node): as parseSafetensors, with errors naming the file. */
export async function loadSafetensors(path: string, opts: SafetensorsOptions = {}): Promise<SafetensorsContents> {
  const op = 'loadSafetensors';
  if (typeof path !== 'string') throw new TesseraError(op, 'path', `must be a file path string, got ${describeJson(path)}`);
  const { readFile } = await import('node:fs/promises');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw fsError(op, path, 'reading', err);
  }
  return parseWith(bytes, opts, { op, arg: 'path', what: path });
}

/**
 * Writes tensors to a .safetensors file (Node), atomically: the bytes go to a temporary file in the
 * same folder, which is renamed over `path` only once fully written and flushed.
 */
export async function saveSafetensors(path: string, dict: StateDict, metadata?: Record<string, string>): Promise<void> {
  const op = 'saveSafetensors';
  if (typeof path !== 'string') throw new TesseraError(op, 'path', `must be a file path string, got ${describeJson(path)}`);
  const bytes = await serializeSafetensors(dict, metadata);
  await writeFileAtomic(op, path, bytes);
}

/** Writes `bytes` to a temporary sibling of `path`, flushes it, and renames it into place. */
async function writeFileAtomic(op: string, path: string, bytes: Uint8Array): Promise<void> {
  const fs = await import('node:fs/promises');
  const { dirname, basename, join } = await import('node:path');
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    const fh = await fs.open(tmp, 'wx');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw fsError(op, path, 'writing', err);
  }
}

export const SAFETENSORS_INDEX_FILE = 'model.safetensors.index.json';

export interface SafetensorsIndexContents extends SafetensorsContents {
  /** The shard files read, relative to the folder, in order. */
  shards: string[];
  /** The index file's own `metadata` (e.g. `total_size`), as written. */
  indexMetadata: Record<string, unknown>;
}

/**
 * Loads a sharded checkpoint (Node): `model.safetensors.index.json` in `folder` maps each tensor name
 * to its shard file (`weight_map`); every shard is read and the tensors are merged. A name the map
 * assigns to one shard must be in that shard; a tensor found in two shards is an error. The header
 * metadata of the shards is merged into `metadata`.
 */
export async function loadSafetensorsIndex(folder: string, opts: SafetensorsOptions & { indexFile?: string } = {}): Promise<SafetensorsIndexContents> {
  const op = 'loadSafetensorsIndex';
  if (typeof folder !== 'string') throw new TesseraError(op, 'folder', `must be a folder path string, got ${describeJson(folder)}`);
  const { readFile } = await import('node:fs/promises');
  const { join, resolve, relative, isAbsolute, sep } = await import('node:path');
  const indexPath = join(folder, opts.indexFile ?? SAFETENSORS_INDEX_FILE);
  let text: string;
  try {
    text = await readFile(indexPath, 'utf8');
  } catch (err) {
    throw fsError(op, indexPath, 'reading', err);
  }
  let index: unknown;
  try {
    index = JSON.parse(text);
  } catch (e) {
    throw new TesseraError(op, 'folder', `index ${indexPath} is not valid JSON (${(e as Error).message})`);
  }
  const weightMap = isPlainObject(index) ? index.weight_map : undefined;
  if (!isPlainObject(weightMap)) throw new TesseraError(op, 'folder', `index ${indexPath} has no "weight_map" object (tensor name → shard file)`);
  const root = resolve(folder);
  const shards: string[] = [];
  for (const [name, file] of Object.entries(weightMap)) {
    if (typeof file !== 'string' || file === '') {
      throw new TesseraError(op, 'folder', `index ${indexPath} maps '${name}' to ${describeJson(file)}; expected a shard file name`);
    }
    const rel = relative(root, resolve(root, file));
    if (isAbsolute(file) || rel === '' || rel.startsWith(`..${sep}`) || rel === '..') {
      throw new TesseraError(op, 'folder', `index ${indexPath} maps '${name}' to shard '${file}', which is outside the folder`);
    }
    if (!shards.includes(file)) shards.push(file);
  }
  const loaded = new Map<string, StateDict>();
  const metadata: Record<string, string> = {};
  const origin = new Map<string, string>();
  const created: Tensor[] = [];
  const tensors: StateDict = {};
  try {
    for (const file of shards) {
      const shard = await loadSafetensors(join(folder, file), opts);
      created.push(...Object.values(shard.tensors));
      loaded.set(file, shard.tensors);
      for (const [k, v] of Object.entries(shard.metadata)) define(metadata, k, v);
      for (const name of Object.keys(shard.tensors)) {
        const before = origin.get(name);
        if (before !== undefined) throw new TesseraError(op, 'folder', `tensor '${name}' is in two shards, ${before} and ${file}`);
        origin.set(name, file);
      }
    }
    for (const [name, file] of Object.entries(weightMap)) {
      const found = origin.get(name);
      if (found !== file) {
        throw new TesseraError(op, 'folder', `index ${indexPath} puts tensor '${name}' in ${String(file)}, but ${found === undefined ? 'no shard holds it' : `it is in ${found}`}`);
      }
      define(tensors, name, loaded.get(file as string)![name]!);
    }
    // Tensors a shard holds beyond the map are kept too (transformers loads whole shards), after the mapped ones.
    for (const file of shards) {
      for (const [name, t] of Object.entries(loaded.get(file)!)) if (!Object.hasOwn(tensors, name)) define(tensors, name, t);
    }
  } catch (err) {
    for (const t of created) t.dispose();
    throw err;
  }
  const indexMetadata = isPlainObject(index) && isPlainObject(index.metadata) ? index.metadata : {};
  return { tensors, metadata, shards, indexMetadata };
}
