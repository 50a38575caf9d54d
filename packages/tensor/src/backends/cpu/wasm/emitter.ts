/**
 * A small WebAssembly bytecode emitter: just enough of the binary format (module header, type /
 * import / function / export / code sections, LEB128, locals, structured control flow, i32 and
 * 128-bit SIMD opcodes) to generate the GEMM kernels at run time. No toolchain, no binary blobs.
 *
 * Reference: WebAssembly Core Specification 2.0, section 5 (binary format), and the fixed-width
 * SIMD proposal (opcodes after the 0xfd prefix are LEB128-encoded u32s).
 */

/** Value types (spec 5.3.1). */
export const ValType = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  v128: 0x7b,
} as const;
export type ValType = (typeof ValType)[keyof typeof ValType];

/** Block type "no result" (spec 5.4.1). */
const BLOCK_VOID = 0x40;

/** Plain (one-byte) opcodes used by the kernels. */
export const Op = {
  unreachable: 0x00,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  br_if: 0x0d,
  return: 0x0f,
  drop: 0x1a,
  select: 0x1b,
  local_get: 0x20,
  local_set: 0x21,
  local_tee: 0x22,
  i32_load: 0x28,
  i64_load: 0x29,
  i32_store: 0x36,
  i64_store: 0x37,
  i32_const: 0x41,
  i64_const: 0x42,
  i32_eqz: 0x45,
  i32_eq: 0x46,
  i32_ne: 0x47,
  i32_lt_s: 0x48,
  i32_lt_u: 0x49,
  i32_gt_s: 0x4a,
  i32_gt_u: 0x4b,
  i32_le_s: 0x4c,
  i32_ge_s: 0x4e,
  i32_ge_u: 0x4f,
  i32_add: 0x6a,
  i32_sub: 0x6b,
  i32_mul: 0x6c,
  i32_div_u: 0x6e,
  i32_rem_u: 0x70,
  i32_and: 0x71,
  i32_or: 0x72,
  i32_shl: 0x74,
  i32_shr_u: 0x76,
} as const;

/** SIMD opcodes (after the 0xfd prefix). */
export const SimdOp = {
  v128_load: 0x00,
  v128_load32_splat: 0x09,
  v128_load64_splat: 0x0a,
  v128_store: 0x0b,
  v128_const: 0x0c,
  f32x4_splat: 0x13,
  f64x2_splat: 0x14,
  f32x4_add: 0xe4,
  f32x4_sub: 0xe5,
  f32x4_mul: 0xe6,
  f64x2_add: 0xf0,
  f64x2_sub: 0xf1,
  f64x2_mul: 0xf2,
  // Relaxed SIMD (validated separately; optional).
  f32x4_relaxed_madd: 0x105,
  f64x2_relaxed_madd: 0x107,
} as const;

const SIMD_PREFIX = 0xfd;

/** Unsigned LEB128 of a non-negative integer below 2^32. */
export function uleb(out: number[], value: number): void {
  let v = value >>> 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>>= 7;
    if (v === 0) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(out: number[], value: number): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

function utf8(out: number[], s: string): void {
  const bytes = new TextEncoder().encode(s);
  uleb(out, bytes.length);
  for (const b of bytes) out.push(b);
}

/** A local variable (or parameter) of the function being built. */
export interface Local {
  readonly index: number;
  readonly type: ValType;
}

/**
 * Builds one function body. Parameters are locals 0..n-1; `local()` declares more. Instructions
 * are appended with small typed helpers; `bytes()` returns the encoded body (locals + code + end).
 */
export class FunctionBuilder {
  readonly params: readonly Local[];
  readonly results: readonly ValType[];
  readonly #locals: ValType[] = [];
  readonly #code: number[] = [];
  #depth = 0;

  constructor(params: readonly ValType[], results: readonly ValType[] = []) {
    this.params = params.map((type, index) => ({ index, type }));
    this.results = results;
  }

  local(type: ValType): Local {
    const index = this.params.length + this.#locals.length;
    this.#locals.push(type);
    return { index, type };
  }

  op(opcode: number): this {
    this.#code.push(opcode);
    return this;
  }

  simd(opcode: number): this {
    this.#code.push(SIMD_PREFIX);
    uleb(this.#code, opcode);
    return this;
  }

  get(l: Local): this {
    this.#code.push(Op.local_get);
    uleb(this.#code, l.index);
    return this;
  }

  set(l: Local): this {
    this.#code.push(Op.local_set);
    uleb(this.#code, l.index);
    return this;
  }

  tee(l: Local): this {
    this.#code.push(Op.local_tee);
    uleb(this.#code, l.index);
    return this;
  }

  i32(value: number): this {
    this.#code.push(Op.i32_const);
    sleb(this.#code, value);
    return this;
  }

  /** A memory access with alignment `2^alignLog2` and a constant byte offset. */
  mem(opcode: number, alignLog2: number, offset: number, simd = false): this {
    if (simd) this.simd(opcode);
    else this.#code.push(opcode);
    uleb(this.#code, alignLog2);
    uleb(this.#code, offset);
    return this;
  }

  v128Load(offset: number): this {
    return this.mem(SimdOp.v128_load, 4, offset, true);
  }

  v128Store(offset: number): this {
    return this.mem(SimdOp.v128_store, 4, offset, true);
  }

  i32Load(offset: number): this {
    return this.mem(Op.i32_load, 2, offset);
  }

  /** v128.const of all-zero bits. */
  v128Zero(): this {
    this.simd(SimdOp.v128_const);
    for (let i = 0; i < 16; i++) this.#code.push(0);
    return this;
  }

  /** `block ... end` (a `br` to it jumps past its end). */
  block(body: () => void): this {
    return this.#structured(Op.block, body);
  }

  /** `loop ... end` (a `br` to it jumps back to its start). */
  loop(body: () => void): this {
    return this.#structured(Op.loop, body);
  }

  /** `if ... (else ...) end` on the i32 at the top of the stack. */
  if(then: () => void, otherwise?: () => void): this {
    this.#code.push(Op.if, BLOCK_VOID);
    this.#depth++;
    then();
    if (otherwise) {
      this.#code.push(Op.else);
      otherwise();
    }
    this.#depth--;
    this.#code.push(Op.end);
    return this;
  }

  /** Branch to the enclosing label `depth` levels out (0 = innermost). */
  br(depth: number): this {
    this.#code.push(Op.br);
    uleb(this.#code, depth);
    return this;
  }

  brIf(depth: number): this {
    this.#code.push(Op.br_if);
    uleb(this.#code, depth);
    return this;
  }

  /** Adds a constant to an i32 local (no-op for 0). */
  addTo(l: Local, value: number): this {
    if (value === 0) return this;
    return this.get(l).i32(value).op(Op.i32_add).set(l);
  }

  #structured(opcode: number, body: () => void): this {
    this.#code.push(opcode, BLOCK_VOID);
    this.#depth++;
    body();
    this.#depth--;
    this.#code.push(Op.end);
    return this;
  }

  bytes(): number[] {
    if (this.#depth !== 0) throw new Error('wasm emitter: unbalanced blocks');
    const out: number[] = [];
    // Locals, run-length grouped by type.
    const groups: Array<[number, ValType]> = [];
    for (const t of this.#locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(out, groups.length);
    for (const [count, type] of groups) {
      uleb(out, count);
      out.push(type);
    }
    for (const b of this.#code) out.push(b);
    out.push(Op.end);
    return out;
  }
}

export interface MemoryImport {
  module: string;
  name: string;
  initialPages: number;
  maximumPages: number;
  shared: boolean;
}

/** Builds a module with one imported memory and a list of exported (or internal) functions. */
export class ModuleBuilder {
  readonly #funcs: Array<{ fn: FunctionBuilder; exportName?: string }> = [];
  #memory: MemoryImport | undefined;

  importMemory(memory: MemoryImport): this {
    this.#memory = memory;
    return this;
  }

  /** Adds a function; returns its function index (for `call`). */
  addFunction(fn: FunctionBuilder, exportName?: string): number {
    this.#funcs.push(exportName === undefined ? { fn } : { fn, exportName });
    return this.#funcs.length - 1;
  }

  bytes(): Uint8Array<ArrayBuffer> {
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const section = (id: number, body: number[]): void => {
      out.push(id);
      uleb(out, body.length);
      for (const b of body) out.push(b);
    };

    // Type section: one signature per function (duplicates are legal and keep indices simple).
    const types: number[] = [];
    uleb(types, this.#funcs.length);
    for (const { fn } of this.#funcs) {
      types.push(0x60);
      uleb(types, fn.params.length);
      for (const p of fn.params) types.push(p.type);
      uleb(types, fn.results.length);
      for (const r of fn.results) types.push(r);
    }
    section(1, types);

    if (this.#memory) {
      const m = this.#memory;
      const imports: number[] = [];
      uleb(imports, 1);
      utf8(imports, m.module);
      utf8(imports, m.name);
      imports.push(0x02); // memory
      imports.push(m.shared ? 0x03 : 0x01); // limits: min+max (+shared)
      uleb(imports, m.initialPages);
      uleb(imports, m.maximumPages);
      section(2, imports);
    }

    const funcs: number[] = [];
    uleb(funcs, this.#funcs.length);
    for (let i = 0; i < this.#funcs.length; i++) uleb(funcs, i);
    section(3, funcs);

    const exports: number[] = [];
    const exported = this.#funcs.map((f, i) => [f.exportName, i] as const).filter(([name]) => name !== undefined);
    uleb(exports, exported.length);
    for (const [name, index] of exported) {
      utf8(exports, name!);
      exports.push(0x00); // function
      uleb(exports, index);
    }
    section(7, exports);

    const code: number[] = [];
    uleb(code, this.#funcs.length);
    for (const { fn } of this.#funcs) {
      const body = fn.bytes();
      uleb(code, body.length);
      for (const b of body) code.push(b);
    }
    section(10, code);
    return Uint8Array.from(out);
  }
}

/** `call` of function index `index`. */
export function call(fn: FunctionBuilder, index: number): void {
  fn.op(0x10);
  const tmp: number[] = [];
  uleb(tmp, index);
  for (const b of tmp) fn.op(b);
}
