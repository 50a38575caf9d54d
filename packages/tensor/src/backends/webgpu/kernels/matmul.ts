import type { KernelSource } from '../runtime.js';
import { UniformWriter } from './common.js';

/**
 * Batched matmul over strided operands: A[b, i, k] = a[aoff(b) + i*ars + k*acs], likewise B, so
 * transposed operands need no copy. Batch offsets come from up to 4 broadcast batch dims (stride 0
 * where broadcast).
 *  - 'tiled': 64x64 tiles staged through workgroup memory (16x16 threads, BK = 16, a 4x4 block of C
 *    per thread): for real GPUs.
 *  - 'direct': no workgroup memory; each thread reads a 4x4 block's rows and columns from global
 *    memory with scalar loads. The simplest kernel; any layout.
 *  - 'blocked': no workgroup memory nor barriers; register blocks of C per invocation and vec4 loads
 *    along whichever dim of each operand is contiguous (k or m for A, k or n for B; scalar loads
 *    otherwise). With the 'subgroups' feature and a fixed subgroup size, 16x4 blocks whose rows of
 *    A a subgroup loads once and shares by subgroupBroadcast; otherwise 4x8 blocks, 64 invocations
 *    per workgroup laid out along n (or m when n is small). For CPU-backed adapters (lavapipe,
 *    SwiftShader): they run barriers slowly and every load of a SIMD lane costs several
 *    instructions (a per-lane loop with bounds checks), so what counts is loads per multiply-add.
 */
export type MatmulVariant = 'tiled' | 'direct' | 'blocked';

export const MATMUL_VARIANTS: readonly MatmulVariant[] = ['tiled', 'direct', 'blocked'];

export const MATMUL_TILE = 64;
export const MAX_BATCH_RANK = 4;

export interface MatmulOperand {
  offset: number;
  /** Stride of the row dim (m for A, k for B). */
  rs: number;
  /** Stride of the column dim (k for A, n for B). */
  cs: number;
  /** Strides of the (coalesced) batch dims. */
  batch: readonly number[];
}

export function matmulUniforms(m: number, n: number, k: number, a: MatmulOperand, b: MatmulOperand, batchShape: readonly number[]): ArrayBuffer {
  const u = new UniformWriter(28);
  u.u32(0, m).u32(1, n).u32(2, k).u32(3, batchShape.length);
  u.u32(4, a.offset).u32(5, a.rs).u32(6, a.cs).u32(7, 0);
  u.u32(8, b.offset).u32(9, b.rs).u32(10, b.cs).u32(11, 0);
  batchShape.forEach((s, d) => u.u32(12 + d, s));
  a.batch.forEach((s, d) => u.u32(16 + d, s));
  b.batch.forEach((s, d) => u.u32(20 + d, s));
  return u.buffer;
}

const PARAMS = `struct Params {
  m: u32, n: u32, k: u32, brank: u32,
  aoff: u32, ars: u32, acs: u32, pad0: u32,
  boff: u32, brs: u32, bcs: u32, pad1: u32,
  bshape: vec4<u32>, astr: vec4<u32>, bstr: vec4<u32>,
};`;

const BATCH_OFFSETS = `fn batchOffsets(z: u32) -> vec2u {
  var rem = z;
  var ao = p.aoff;
  var bo = p.boff;
  for (var d = i32(p.brank) - 1; d >= 0; d--) {
    let s = p.bshape[d];
    let c = rem % s;
    rem = rem / s;
    ao += c * p.astr[d];
    bo += c * p.bstr[d];
  }
  return vec2u(ao, bo);
}`;

function header(aType: string, bType: string, cType: string): string {
  return `${PARAMS}
@group(0) @binding(0) var<storage, read> A: array<${aType}>;
@group(0) @binding(1) var<storage, read> B: array<${bType}>;
@group(0) @binding(2) var<storage, read_write> C: array<${cType}>;
@group(0) @binding(3) var<uniform> p: Params;
${BATCH_OFFSETS}`;
}

/**
 * How 'blocked' loads an operand: 'k4' vec4s along k (A row-major, B transposed), 'm4' vec4s along
 * the rows of A (A transposed), 'n4' vec4s along the columns of B (B row-major), 's' scalars.
 */
export type ALoad = 'k4' | 'm4' | 's';
export type BLoad = 'k4' | 'n4' | 's';

export interface BlockedPlan {
  a: ALoad;
  b: BLoad;
  /** Whether C rows have a multiple of 4 columns (vec4 stores). */
  c4: boolean;
  /** Rows and columns of C per invocation. */
  rows: number;
  cols: number;
  /**
   * Subgroup size when the invocations of a subgroup share their rows of A: each loads a slice of
   * them and subgroupBroadcast hands it to the others (0: every invocation loads its own).
   */
  subgroup: number;
  /** Which dim of C the invocations of a workgroup's x axis step along. */
  lanes: 'n' | 'm';
  /** Workgroup size along x (along `lanes`) and y. */
  wx: number;
  wy: number;
  /** Workgroups to dispatch along x (along `lanes`) and y (z: batch). */
  groups: [number, number];
}

const INVOCATIONS = 64;

/** True when vec4s of an operand stay inside its view and aligned: offset, the other stride and batch strides multiples of 4. */
function aligned4(op: MatmulOperand, vecDimSize: number, otherStride: number, otherSize: number): boolean {
  return op.offset % 4 === 0 && vecDimSize % 4 === 0 && (otherSize === 1 || otherStride % 4 === 0) && op.batch.every((s) => s % 4 === 0);
}

/** The smallest padding of `count` by one of `sizes` (ties: the largest size). */
function bestWidth(count: number, sizes: readonly number[]): number {
  let best = sizes[0]!;
  for (const w of sizes) if (Math.ceil(count / w) * w < Math.ceil(count / best) * best) best = w;
  return best;
}

/**
 * The 'blocked' kernel's load modes and launch shape for one matmul. `subgroupSize`: the adapter's
 * fixed subgroup size when the device has the 'subgroups' feature, else 0.
 */
export function blockedPlan(m: number, n: number, k: number, a: MatmulOperand, b: MatmulOperand, subgroupSize = 0): BlockedPlan {
  let aMode: ALoad = 's';
  if ((a.cs === 1 || k === 1) && aligned4(a, k, a.rs, m)) aMode = 'k4';
  else if ((a.rs === 1 || m === 1) && aligned4(a, m, a.cs, k)) aMode = 'm4';
  let bMode: BLoad = 's';
  if ((b.cs === 1 || n === 1) && aligned4(b, n, b.rs, k)) bMode = 'n4';
  else if ((b.rs === 1 || k === 1) && aligned4(b, k, b.cs, n)) bMode = 'k4';
  const c4 = n % 4 === 0;
  // Neighbouring invocations run as SIMD lanes on CPU adapters: put them along the longer side.
  const colBlocks = Math.ceil(n / 8);
  const lanes = colBlocks >= 8 || colBlocks >= Math.ceil(m / 4) ? 'n' : 'm';
  // Few widths: each is a pipeline to compile (seconds on CPU adapters).
  const widths = [64, 16, 8];
  // (Not for scalar loads of A: 4x the items to share, a large shader to compile, for rare layouts.)
  if (lanes === 'n' && aMode !== 's' && subgroupSize >= 4 && subgroupSize <= INVOCATIONS) {
    // 16x4 per invocation; a 1-D workgroup along n, so that every subgroup shares its 16 rows.
    const rows = 16;
    const cols = 4;
    const wx = bestWidth(Math.ceil(n / cols), widths.filter((w) => w >= subgroupSize));
    return { a: aMode, b: bMode, c4, rows, cols, subgroup: subgroupSize, lanes, wx, wy: 1, groups: [Math.ceil(n / (cols * wx)), Math.ceil(m / rows)] };
  }
  const rows = 4;
  const cols = 8;
  const along = lanes === 'n' ? Math.ceil(n / cols) : Math.ceil(m / rows);
  const across = lanes === 'n' ? Math.ceil(m / rows) : Math.ceil(n / cols);
  const wx = bestWidth(along, widths);
  const wy = INVOCATIONS / wx;
  return { a: aMode, b: bMode, c4, rows, cols, subgroup: 0, lanes, wx, wy, groups: [Math.ceil(along / wx), Math.ceil(across / wy)] };
}

const lines = (count: number, f: (i: number) => string): string => Array.from({ length: count }, (_, i) => f(i)).join('\n');
const comp = (v: string, i: number): string => `${v}.${'xyzw'[i]}`;
const vec4Of = (parts: string[]): string => `vec4<f32>(${parts.join(', ')})`;

/**
 * The 'blocked' kernel of a plan. Each invocation owns `rows` rows from row0 and `cols` columns
 * from col0 of C; loads clamp rows and columns into the matrix (their products land in discarded
 * outputs), so the k loop has no branches and, for subgroup operations, no invocation leaves
 * early. The k loop steps by 4; a scalar-k tail covers k % 4 (only possible when no operand
 * loads along k).
 *
 * Loads of A: without subgroups every invocation loads its rows' values itself. With subgroups
 * of size S, the values of one k step (rows x 4 of them, in "items": vec4s for k4/m4, scalars for s)
 * are spread over the subgroup, item i loaded by invocation i % S, and `subgroupBroadcast`
 * (a register shuffle on CPU adapters) hands each to all.
 */
function blockedKernel(plan: BlockedPlan): KernelSource {
  const { a, b, c4, rows: R, cols: C, subgroup: S, lanes, wx, wy } = plan;
  const key = `matmul:blocked:${a}:${b}:${c4 ? 'c4' : 'c1'}:${R}x${C}:${lanes}:${wx}x${wy}:s${S}`;
  const wgsl = (): string => {
    const CQ = C / 4;
    const aT = a === 's' ? 'f32' : 'vec4<f32>';
    const bT = b === 's' ? 'f32' : 'vec4<f32>';

    // ---- A: setup, loads of a k step (k = 4 * kq), value A[row0 + r][k + j], and the k tail.
    let setupA: string;
    let loadA: string;
    let aVal: (r: number, j: number) => string;
    let tailA: string;
    let tailVal: (r: number) => string;
    if (S === 0) {
      setupA =
        a === 'k4'
          ? lines(R, (r) => `  let ia${r} = (offs.x + min(row0 + ${r}u, p.m - 1u) * p.ars) / 4u;`)
          : a === 'm4'
            ? lines(R / 4, (q) => `  let iam${q} = (offs.x + min(row0 + ${q * 4}u, p.m - 4u)) / 4u;`) + '\n  let acs4 = p.acs / 4u;'
            : lines(R, (r) => `  let ia${r} = offs.x + min(row0 + ${r}u, p.m - 1u) * p.ars;`);
      loadA =
        a === 'k4'
          ? lines(R, (r) => `    let a${r} = A[ia${r} + kq];`)
          : a === 'm4'
            ? lines(4, (j) => lines(R / 4, (q) => `    let a${j}_${q} = A[iam${q} + (k + ${j}u) * acs4];`))
            : lines(R, (r) => lines(4, (j) => `    let a${r}_${j} = A[ia${r} + (k + ${j}u) * p.acs];`));
      aVal = (r, j) => (a === 'k4' ? comp(`a${r}`, j) : a === 'm4' ? comp(`a${j}_${Math.floor(r / 4)}`, r % 4) : `a${r}_${j}`);
      tailA = a === 'm4' ? lines(R / 4, (q) => `    let t${q} = A[iam${q} + k * acs4];`) : lines(R, (r) => `    let t${r} = A[ia${r} + k * p.acs];`);
      tailVal = (r) => (a === 'm4' ? comp(`t${Math.floor(r / 4)}`, r % 4) : `t${r}`);
    } else {
      // Items of one k step: k4: R vec4s (row r); m4: 4 * R/4 vec4s (k + j, rows 4q..4q+3) at j*(R/4) + q; s: 4R scalars (r, j) at r*4 + j.
      const items = a === 's' ? 4 * R : R;
      const slots = Math.ceil(items / S);
      const item = (t: number): string => `min(${t * S}u + sid, ${items - 1}u)`;
      setupA = lines(slots, (t) =>
        a === 'k4'
          ? `  let ia${t} = (offs.x + min(row0 + ${item(t)}, p.m - 1u) * p.ars) / 4u;`
          : a === 'm4'
            ? `  let it${t} = ${item(t)};\n  let ia${t} = (offs.x + min(row0 + (it${t} % ${R / 4}u) * 4u, p.m - 4u)) / 4u;\n  let ja${t} = it${t} / ${R / 4}u;`
            : `  let it${t} = ${item(t)};\n  let ia${t} = offs.x + min(row0 + it${t} / 4u, p.m - 1u) * p.ars;\n  let ja${t} = it${t} % 4u;`,
      );
      if (a === 'm4') setupA += '\n  let acs4 = p.acs / 4u;';
      const bcast = (i: number): string => `subgroupBroadcast(av${Math.floor(i / S)}, ${i % S}u)`;
      loadA =
        lines(slots, (t) => (a === 'k4' ? `    let av${t} = A[ia${t} + kq];` : a === 'm4' ? `    let av${t} = A[ia${t} + (k + ja${t}) * acs4];` : `    let av${t} = A[ia${t} + (k + ja${t}) * p.acs];`)) +
        '\n' +
        (a === 'k4'
          ? lines(R, (r) => `    let a${r} = ${bcast(r)};`)
          : a === 'm4'
            ? lines(4, (j) => lines(R / 4, (q) => `    let a${j}_${q} = ${bcast(j * (R / 4) + q)};`))
            : lines(R, (r) => lines(4, (j) => `    let a${r}_${j} = ${bcast(r * 4 + j)};`)));
      aVal = (r, j) => (a === 'k4' ? comp(`a${r}`, j) : a === 'm4' ? comp(`a${j}_${Math.floor(r / 4)}`, r % 4) : `a${r}_${j}`);
      // Tail items: m4: R/4 vec4s (rows 4q..), s: R scalars.
      const tItems = a === 'm4' ? R / 4 : R;
      const tSlots = Math.ceil(tItems / S);
      const tItem = (t: number): string => `min(${t * S}u + sid, ${tItems - 1}u)`;
      if (a !== 'k4') {
        setupA +=
          '\n' +
          lines(tSlots, (t) =>
            a === 'm4' ? `  let ta${t} = (offs.x + min(row0 + ${tItem(t)} * 4u, p.m - 4u)) / 4u;` : `  let ta${t} = offs.x + min(row0 + ${tItem(t)}, p.m - 1u) * p.ars;`,
          );
      }
      const tb = (i: number): string => `subgroupBroadcast(tv${Math.floor(i / S)}, ${i % S}u)`;
      tailA =
        lines(tSlots, (t) => (a === 'm4' ? `    let tv${t} = A[ta${t} + k * acs4];` : `    let tv${t} = A[ta${t} + k * p.acs];`)) +
        '\n' +
        (a === 'm4' ? lines(R / 4, (q) => `    let t${q} = ${tb(q)};`) : lines(R, (r) => `    let t${r} = ${tb(r)};`));
      tailVal = (r) => (a === 'm4' ? comp(`t${Math.floor(r / 4)}`, r % 4) : `t${r}`);
    }

    // ---- B: each invocation loads its own C columns.
    const setupB =
      b === 'n4'
        ? lines(CQ, (q) => `  let ib${q} = (offs.y + min(col0 + ${q * 4}u, p.n - 4u)) / 4u;`) + '\n  let brs4 = p.brs / 4u;'
        : b === 'k4'
          ? lines(C, (c) => `  let ib${c} = (offs.y + min(col0 + ${c}u, p.n - 1u) * p.bcs) / 4u;`)
          : lines(C, (c) => `  let ib${c} = offs.y + min(col0 + ${c}u, p.n - 1u) * p.bcs;`);
    const loadB =
      b === 'n4'
        ? lines(4, (j) => lines(CQ, (q) => `    let b${j}_${q} = B[ib${q} + (k + ${j}u) * brs4];`))
        : b === 'k4'
          ? lines(C, (c) => `    let b${c} = B[ib${c} + kq];`)
          : lines(4, (j) => lines(C, (c) => `    let b${j}_${c} = B[ib${c} + (k + ${j}u) * p.brs];`));
    // B[k + j][q*4 .. q*4+3] as a vec4.
    const bVec = (j: number, q: number): string =>
      b === 'n4' ? `b${j}_${q}` : b === 'k4' ? vec4Of([0, 1, 2, 3].map((c) => comp(`b${q * 4 + c}`, j))) : vec4Of([0, 1, 2, 3].map((c) => `b${j}_${q * 4 + c}`));
    const tailB = b === 'n4' ? lines(CQ, (q) => `    let u${q} = B[ib${q} + k * brs4];`) : lines(C, (c) => `    let u${c} = B[ib${c} + k * p.brs];`);
    const tailBVec = (q: number): string => (b === 'n4' ? `u${q}` : vec4Of([0, 1, 2, 3].map((c) => `u${q * 4 + c}`)));

    const fmas = lines(R, (r) =>
      lines(CQ, (q) => {
        let e = `acc${r}_${q}`;
        for (let j = 0; j < 4; j++) e = `fma(vec4<f32>(${aVal(r, j)}), ${bVec(j, q)}, ${e})`;
        return `    acc${r}_${q} = ${e};`;
      }),
    );
    const tail =
      a === 'k4' || b === 'k4'
        ? ''
        : `  for (var k = p.k & ~3u; k < p.k; k++) {
${tailA}
${tailB}
${lines(R, (r) => lines(CQ, (q) => `    acc${r}_${q} = fma(vec4<f32>(${tailVal(r)}), ${tailBVec(q)}, acc${r}_${q});`))}
  }`;
    const store = c4
      ? lines(R, (r) => lines(CQ, (q) => `  if (row0 + ${r}u < p.m && col0 + ${q * 4}u < p.n) { C[(cbase + (row0 + ${r}u) * p.n + col0) / 4u + ${q}u] = acc${r}_${q}; }`))
      : lines(R, (r) => lines(C, (c) => `  if (row0 + ${r}u < p.m && col0 + ${c}u < p.n) { C[cbase + (row0 + ${r}u) * p.n + col0 + ${c}u] = ${comp(`acc${r}_${Math.floor(c / 4)}`, c % 4)}; }`));
    const [x0, y0] = lanes === 'n' ? ['col', 'row'] : ['row', 'col'];
    const [xs, ys] = lanes === 'n' ? [C, R] : [R, C];
    return `${S ? 'enable subgroups;\n' : ''}${header(aT, bT, c4 ? 'vec4<f32>' : 'f32')}
@compute @workgroup_size(${wx}, ${wy})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u${S ? ', @builtin(subgroup_invocation_id) sid: u32' : ''}) {
  let ${x0}0 = (wid.x * ${wx}u + lid.x) * ${xs}u;
  let ${y0}0 = (wid.y * ${wy}u + lid.y) * ${ys}u;
  ${S ? '// No early return: every invocation of a subgroup takes part in the broadcasts.' : 'if (row0 >= p.m || col0 >= p.n) { return; }'}
  let offs = batchOffsets(wid.z);
${setupA}
${setupB}
${lines(R, (r) => lines(CQ, (q) => `  var acc${r}_${q} = vec4<f32>(0.0);`))}
  for (var kq = 0u; kq < p.k / 4u; kq++) {
    let k = kq * 4u;
${loadA}
${loadB}
${fmas}
  }
${tail}
  let cbase = wid.z * p.m * p.n;
${store}
}
`;
  };
  return { key, wgsl };
}

/**
 * A matmul kernel and its workgroup count for one call. `a`, `b`: operand layouts (needed by
 * 'blocked' to pick its loads); `subgroupSize`: see blockedPlan.
 */
export function matmulKernel(
  variant: MatmulVariant,
  m: number,
  n: number,
  k: number,
  a: MatmulOperand,
  b: MatmulOperand,
  subgroupSize = 0,
): { kernel: KernelSource; groups: [number, number] } {
  if (variant === 'blocked') {
    const plan = blockedPlan(m, n, k, a, b, subgroupSize);
    return { kernel: blockedKernel(plan), groups: plan.groups };
  }
  if (variant === 'direct') return { kernel: DIRECT, groups: [Math.ceil(n / 32), Math.ceil(m / 32)] };
  return { kernel: TILED, groups: [Math.ceil(n / MATMUL_TILE), Math.ceil(m / MATMUL_TILE)] };
}

const DIRECT: KernelSource = {
  key: 'matmul:direct',
  wgsl: () => `${header('f32', 'f32', 'f32')}
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let row0 = gid.y * 4u;
  let col0 = gid.x * 4u;
  if (row0 >= p.m || col0 >= p.n) { return; }
  let offs = batchOffsets(gid.z);
  var acc: array<vec4<f32>, 4>;
  for (var kk = 0u; kk < p.k; kk++) {
    var bv = vec4<f32>(0.0);
    for (var c = 0u; c < 4u; c++) {
      if (col0 + c < p.n) { bv[c] = B[offs.y + kk * p.brs + (col0 + c) * p.bcs]; }
    }
    for (var r = 0u; r < 4u; r++) {
      if (row0 + r < p.m) { acc[r] += A[offs.x + (row0 + r) * p.ars + kk * p.acs] * bv; }
    }
  }
  let cbase = gid.z * p.m * p.n;
  for (var r = 0u; r < 4u; r++) {
    for (var c = 0u; c < 4u; c++) {
      if (row0 + r < p.m && col0 + c < p.n) { C[cbase + (row0 + r) * p.n + col0 + c] = acc[r][c]; }
    }
  }
}
`,
};

const TILED: KernelSource = {
  key: 'matmul:tiled',
  wgsl: () => `${header('f32', 'f32', 'f32')}
const TS = 64u;
const BK = 16u;
var<workgroup> As: array<array<f32, 64>, 16>;
var<workgroup> Bs: array<array<f32, 64>, 16>;
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let offs = batchOffsets(wid.z);
  let tileRow = wid.y * TS;
  let tileCol = wid.x * TS;
  let tid = lid.y * 16u + lid.x;
  var acc: array<vec4<f32>, 4>;
  for (var k0 = 0u; k0 < p.k; k0 += BK) {
    // 256 threads load 64x16 of A and 16x64 of B: 4 elements each.
    for (var e = 0u; e < 4u; e++) {
      let flat = tid + e * 256u;
      let ar = flat / BK;
      let ak = flat % BK;
      let gr = tileRow + ar;
      let gk = k0 + ak;
      As[ak][ar] = select(0.0, A[offs.x + gr * p.ars + gk * p.acs], gr < p.m && gk < p.k);
      let bk = flat / TS;
      let bc = flat % TS;
      let gk2 = k0 + bk;
      let gc = tileCol + bc;
      Bs[bk][bc] = select(0.0, B[offs.y + gk2 * p.brs + gc * p.bcs], gk2 < p.k && gc < p.n);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk++) {
      let bv = vec4<f32>(Bs[kk][lid.x * 4u], Bs[kk][lid.x * 4u + 1u], Bs[kk][lid.x * 4u + 2u], Bs[kk][lid.x * 4u + 3u]);
      for (var r = 0u; r < 4u; r++) { acc[r] += As[kk][lid.y * 4u + r] * bv; }
    }
    workgroupBarrier();
  }
  let cbase = wid.z * p.m * p.n;
  for (var r = 0u; r < 4u; r++) {
    let row = tileRow + lid.y * 4u + r;
    for (var c = 0u; c < 4u; c++) {
      let col = tileCol + lid.x * 4u + c;
      if (row < p.m && col < p.n) { C[cbase + row * p.n + col] = acc[r][c]; }
    }
  }
}
`,
};
