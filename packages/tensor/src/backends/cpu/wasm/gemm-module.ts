/**
 * Generates the WebAssembly GEMM module (f32x4 and f64x2 kernels) with the emitter in emitter.ts.
 *
 * Data layout (all in the one imported linear memory; prepared by pack.ts):
 *   - packed A: for each K block `pc` (KC deep, the last one shorter), MR-row strips of all padded
 *     rows: strip s of block pc is at element `pc*Mp + s*MR*kc`, holding A[s*MR + r, pc + p] at
 *     `p*MR + r`;
 *   - packed B: for each K block, NR-column strips: strip t at `pc*Np + t*NR*kc`, holding
 *     B[pc + p, t*NR + c] at `p*NR + c`;
 *   - C: Mp x Np, row-major, padded (row stride Np).
 * Mp, Np and Kp are M, N, K rounded up to MR, NR and the k-unroll; padding holds zeros.
 *
 * Exports:
 *   - `block_f32(a, b, c, mt, nt, kc, ldc, acc)` / `block_f64`: C[mt*MR, nt*NR] (+)= Apanel @ Bpanel
 *     over one K block of depth kc (byte pointers; ldc in bytes; acc = 0 stores, 1 accumulates);
 *   - `item(params, idx)`: work item `idx` of the job described at byte `params` (see PARAM below):
 *     for a product job, one (batch, row block, column block) tile of C over all K blocks; for a
 *     pack job, one packing task (see TASK). Workers and the calling
 *     thread both run items, so each C element is always computed by the same instruction
 *     sequence: results do not depend on the thread count.
 */
import { FunctionBuilder, ModuleBuilder, Op, SimdOp, ValType, call } from './emitter.js';
import type { Local } from './emitter.js';

/** Byte offsets of the i32 job parameters read by `item`. */
export const PARAM = {
  kind: 0, // JOB.*
  mBlocks: 4,
  nBlocks: 8,
  mb: 12, // rows per row block (multiple of MR)
  nb: 16, // columns per column block (multiple of NR)
  mp: 20,
  np: 24,
  kp: 28,
  kc: 32, // K block depth (multiple of the k-unroll)
  aBase: 36,
  aBatch: 40, // bytes between batch items' packed A (0: shared)
  bBase: 44,
  bBatch: 48,
  cBase: 52,
  cBatch: 56,
  tasks: 60, // JOB.pack: byte address of the task table
} as const;
export const PARAM_BYTES = 64;

/** Job kinds (PARAM.kind): products of packed panels, or packing tasks. */
export const JOB = { gemmF32: 0, gemmF64: 1, pack: 2 } as const;

/**
 * A packing task (JOB.pack item), TASK_BYTES at `tasks + idx*TASK_BYTES`: copies `lanes` lanes
 * (rows of A or columns of B) of depth `depth` from `src` (lane l, depth p at `src + l*ls + p*ds`,
 * byte strides) into strips of `width` lanes at `dst` (strip s at `dst + s*width*depth*es`, lane l
 * of depth p at `(p*width + l)*es`), zero-filling the lanes of the last strip past `lanes`.
 */
export const TASK = { fn: 0, src: 4, ls: 8, ds: 12, dst: 16, lanes: 20, depth: 24 } as const;
export const TASK_BYTES = 32;

/** Register tile of one kernel: MR rows x (NV vectors of `lanes`) columns. */
export interface TileShape {
  mr: number;
  nv: number;
  /** k-loop unroll (K is padded to a multiple of it). */
  unroll: number;
}

export interface GemmModuleOptions {
  shared: boolean;
  initialPages: number;
  maximumPages: number;
  f32: TileShape;
  f64: TileShape;
  /** Use relaxed-SIMD fused multiply-add (only where `WebAssembly.validate` accepts it). */
  relaxed: boolean;
}

interface Flavor {
  es: number; // element bytes
  lanes: number;
  splatLoad: number;
  mul: number;
  add: number;
  madd: number;
}

const F32: Flavor = { es: 4, lanes: 4, splatLoad: SimdOp.v128_load32_splat, mul: SimdOp.f32x4_mul, add: SimdOp.f32x4_add, madd: SimdOp.f32x4_relaxed_madd };
const F64: Flavor = { es: 8, lanes: 2, splatLoad: SimdOp.v128_load64_splat, mul: SimdOp.f64x2_mul, add: SimdOp.f64x2_add, madd: SimdOp.f64x2_relaxed_madd };

const I32 = ValType.i32;

/** `block(a, b, c, mt, nt, kc, ldc, acc)`: loops over B strips (outer) and A strips (inner). */
function buildBlock(fl: Flavor, tile: TileShape, relaxed: boolean): FunctionBuilder {
  const { mr, nv, unroll } = tile;
  const nr = nv * fl.lanes;
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32, I32, I32]);
  const [a, b, c, mt, nt, kc, ldc, accFlag] = f.params as [Local, Local, Local, Local, Local, Local, Local, Local];
  const j = f.local(I32);
  const i = f.local(I32);
  const ap = f.local(I32);
  const bp = f.local(I32);
  const aEnd = f.local(I32);
  const aStrip = f.local(I32); // bytes per A strip: kc*MR*es
  const bStrip = f.local(I32);
  const bj = f.local(I32); // current B strip start
  const cj = f.local(I32); // C pointer of (row 0 of this A strip, column block j)
  const crow = f.local(I32);
  const cRowStep = f.local(I32); // MR*ldc
  const acc: Local[][] = [];
  for (let r = 0; r < mr; r++) {
    const row: Local[] = [];
    for (let v = 0; v < nv; v++) row.push(f.local(ValType.v128));
    acc.push(row);
  }
  const bv: Local[] = [];
  for (let v = 0; v < nv; v++) bv.push(f.local(ValType.v128));
  const av = f.local(ValType.v128);

  f.get(kc).i32(mr * fl.es).op(Op.i32_mul).set(aStrip);
  f.get(kc).i32(nr * fl.es).op(Op.i32_mul).set(bStrip);
  f.get(ldc).i32(mr).op(Op.i32_mul).set(cRowStep);
  f.get(b).set(bj);
  f.i32(0).set(j);
  f.block(() => {
    f.get(nt).op(Op.i32_eqz).brIf(0);
    f.get(mt).op(Op.i32_eqz).brIf(0);
    f.loop(() => {
      // Column strip j: C column offset j*NR*es.
      f.get(c).get(j).i32(nr * fl.es).op(Op.i32_mul).op(Op.i32_add).set(cj);
      f.get(a).set(ap);
      f.i32(0).set(i);
      f.loop(() => {
        // ---- micro-kernel: C[cj .. +MR rows, NR cols] (+)= A strip(ap) @ B strip(bj) ----
        f.get(cj).set(crow);
        f.get(accFlag).if(
          () => {
            for (let r = 0; r < mr; r++) {
              for (let v = 0; v < nv; v++) f.get(crow).v128Load(v * 16).set(acc[r]![v]!);
              if (r + 1 < mr) f.get(crow).get(ldc).op(Op.i32_add).set(crow);
            }
          },
          () => {
            for (let r = 0; r < mr; r++) for (let v = 0; v < nv; v++) f.v128Zero().set(acc[r]![v]!);
          },
        );
        f.get(bj).set(bp);
        f.get(ap).get(aStrip).op(Op.i32_add).set(aEnd);
        f.loop(() => {
          for (let u = 0; u < unroll; u++) {
            for (let v = 0; v < nv; v++) f.get(bp).v128Load((u * nr + v * fl.lanes) * fl.es).set(bv[v]!);
            for (let r = 0; r < mr; r++) {
              f.get(ap).mem(fl.splatLoad, fl.es === 4 ? 2 : 3, (u * mr + r) * fl.es, true).set(av);
              for (let v = 0; v < nv; v++) {
                if (relaxed) {
                  f.get(av).get(bv[v]!).get(acc[r]![v]!).simd(fl.madd).set(acc[r]![v]!);
                } else {
                  f.get(acc[r]![v]!).get(av).get(bv[v]!).simd(fl.mul).simd(fl.add).set(acc[r]![v]!);
                }
              }
            }
          }
          f.addTo(ap, unroll * mr * fl.es);
          f.addTo(bp, unroll * nr * fl.es);
          f.get(ap).get(aEnd).op(Op.i32_lt_u).brIf(0);
        });
        // Store the tile.
        f.get(cj).set(crow);
        for (let r = 0; r < mr; r++) {
          for (let v = 0; v < nv; v++) f.get(crow).get(acc[r]![v]!).v128Store(v * 16);
          if (r + 1 < mr) f.get(crow).get(ldc).op(Op.i32_add).set(crow);
        }
        // Next A strip (ap already points at it: strips are contiguous).
        f.get(cj).get(cRowStep).op(Op.i32_add).set(cj);
        f.get(i).i32(1).op(Op.i32_add).tee(i).get(mt).op(Op.i32_lt_u).brIf(0);
      });
      f.get(bj).get(bStrip).op(Op.i32_add).set(bj);
      f.get(j).i32(1).op(Op.i32_add).tee(j).get(nt).op(Op.i32_lt_u).brIf(0);
    });
  });
  return f;
}

/** `item(params, idx)`: one (batch, row block, column block) tile over all K blocks. */
function buildItem(blockF32: number, blockF64: number, t32: TileShape, t64: TileShape): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32]);
  const [params, idx] = f.params as [Local, Local];
  const L = (): Local => f.local(I32);
  const kind = L(), mBlocks = L(), nBlocks = L(), mb = L(), nb = L(), mp = L(), np = L(), kp = L(), kcMax = L();
  const es = L(), mr = L(), nr = L();
  const per = L(), bi = L(), r = L(), rb = L(), cb = L(), row0 = L(), col0 = L(), rows = L(), cols = L();
  const aB = L(), bB = L(), cP = L(), pc = L(), kc = L(), ldc = L(), aP = L(), bP = L();
  const load = (dst: Local, off: number): void => {
    f.get(params).i32Load(off).set(dst);
  };
  load(kind, PARAM.kind);
  load(mBlocks, PARAM.mBlocks);
  load(nBlocks, PARAM.nBlocks);
  load(mb, PARAM.mb);
  load(nb, PARAM.nb);
  load(mp, PARAM.mp);
  load(np, PARAM.np);
  load(kp, PARAM.kp);
  load(kcMax, PARAM.kc);
  f.get(kind).if(
    () => {
      f.i32(8).set(es).i32(t64.mr).set(mr).i32(t64.nv * 2).set(nr);
    },
    () => {
      f.i32(4).set(es).i32(t32.mr).set(mr).i32(t32.nv * 4).set(nr);
    },
  );
  // bi = idx / (mBlocks*nBlocks); r = idx % per; cb = r / mBlocks; rb = r % mBlocks.
  f.get(mBlocks).get(nBlocks).op(Op.i32_mul).set(per);
  f.get(idx).get(per).op(Op.i32_div_u).set(bi);
  f.get(idx).get(per).op(Op.i32_rem_u).set(r);
  f.get(r).get(mBlocks).op(Op.i32_div_u).set(cb);
  f.get(r).get(mBlocks).op(Op.i32_rem_u).set(rb);
  f.get(rb).get(mb).op(Op.i32_mul).set(row0);
  f.get(cb).get(nb).op(Op.i32_mul).set(col0);
  // rows = min(mb, mp - row0); cols = min(nb, np - col0)
  const min = (x: () => void, y: () => void, dst: Local): void => {
    x();
    y();
    x();
    y();
    f.op(Op.i32_lt_u).op(Op.select).set(dst);
  };
  min(() => f.get(mb), () => f.get(mp).get(row0).op(Op.i32_sub), rows);
  min(() => f.get(nb), () => f.get(np).get(col0).op(Op.i32_sub), cols);
  // Base pointers of this batch item.
  f.get(params).i32Load(PARAM.aBase).get(bi).get(params).i32Load(PARAM.aBatch).op(Op.i32_mul).op(Op.i32_add).set(aB);
  f.get(params).i32Load(PARAM.bBase).get(bi).get(params).i32Load(PARAM.bBatch).op(Op.i32_mul).op(Op.i32_add).set(bB);
  f.get(params).i32Load(PARAM.cBase).get(bi).get(params).i32Load(PARAM.cBatch).op(Op.i32_mul).op(Op.i32_add);
  f.get(row0).get(np).op(Op.i32_mul).get(col0).op(Op.i32_add).get(es).op(Op.i32_mul).op(Op.i32_add).set(cP);
  f.get(np).get(es).op(Op.i32_mul).set(ldc);
  f.i32(0).set(pc);
  f.loop(() => {
    min(() => f.get(kcMax), () => f.get(kp).get(pc).op(Op.i32_sub), kc);
    // a = aB + (pc*mp + row0*kc)*es ; b = bB + (pc*np + col0*kc)*es
    f.get(aB).get(pc).get(mp).op(Op.i32_mul).get(row0).get(kc).op(Op.i32_mul).op(Op.i32_add).get(es).op(Op.i32_mul).op(Op.i32_add).set(aP);
    f.get(bB).get(pc).get(np).op(Op.i32_mul).get(col0).get(kc).op(Op.i32_mul).op(Op.i32_add).get(es).op(Op.i32_mul).op(Op.i32_add).set(bP);
    const args = (): void => {
      f.get(aP).get(bP).get(cP);
      f.get(rows).get(mr).op(Op.i32_div_u);
      f.get(cols).get(nr).op(Op.i32_div_u);
      f.get(kc).get(ldc);
      f.get(pc); // accumulate after the first K block (pc != 0)
    };
    f.get(kind).if(
      () => {
        args();
        call(f, blockF64);
      },
      () => {
        args();
        call(f, blockF32);
      },
    );
    f.get(pc).get(kc).op(Op.i32_add).tee(pc).get(kp).op(Op.i32_lt_u).brIf(0);
  });
  return f;
}


/**
 * `pack(src, ls, ds, dst, lanes, depth)` for `es`-byte elements and strips `width` lanes wide (see
 * TASK). Full strips with contiguous lanes (ls == es) copy whole v128s; other full strips copy
 * lane by lane (unrolled); the last, partial strip zero-fills its missing lanes.
 */
function buildPack(es: number, width: number): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32, I32, I32, I32, I32]);
  const [src, ls, ds, dst, lanes, depth] = f.params as [Local, Local, Local, Local, Local, Local];
  const sp = f.local(I32); // source pointer at (strip lane 0, depth p)
  const dp = f.local(I32);
  const dEnd = f.local(I32);
  const left = f.local(I32); // lanes left from this strip on
  const laneOff: Local[] = [];
  for (let l = 0; l < width; l++) laneOff.push(f.local(I32));
  const loadOp = es === 4 ? Op.i32_load : Op.i64_load;
  const storeOp = es === 4 ? Op.i32_store : Op.i64_store;
  const align = es === 4 ? 2 : 3;
  const rowBytes = width * es;
  const vectors = rowBytes / 16;
  const zero = (): void => {
    if (es === 4) f.i32(0);
    else f.op(Op.i64_const).op(0);
  };

  for (let l = 0; l < width; l++) f.get(ls).i32(l).op(Op.i32_mul).set(laneOff[l]!);
  f.get(lanes).set(left);
  f.get(dst).set(dp);
  f.block(() => {
    f.get(lanes).op(Op.i32_eqz).brIf(0);
    f.get(depth).op(Op.i32_eqz).brIf(0);
    f.loop(() => {
      // One strip: dp .. dEnd.
      f.get(src).set(sp);
      f.get(dp).get(depth).i32(rowBytes).op(Op.i32_mul).op(Op.i32_add).set(dEnd);
      f.get(left).i32(width).op(Op.i32_ge_u).if(
        () => {
          f.get(ls).i32(es).op(Op.i32_eq).if(
            () => {
              f.loop(() => {
                for (let v = 0; v < vectors; v++) f.get(dp).get(sp).v128Load(v * 16).v128Store(v * 16);
                f.get(sp).get(ds).op(Op.i32_add).set(sp);
                f.addTo(dp, rowBytes);
                f.get(dp).get(dEnd).op(Op.i32_lt_u).brIf(0);
              });
            },
            () => {
              f.loop(() => {
                for (let l = 0; l < width; l++) {
                  f.get(dp);
                  f.get(sp).get(laneOff[l]!).op(Op.i32_add).mem(loadOp, align, 0);
                  f.mem(storeOp, align, l * es);
                }
                f.get(sp).get(ds).op(Op.i32_add).set(sp);
                f.addTo(dp, rowBytes);
                f.get(dp).get(dEnd).op(Op.i32_lt_u).brIf(0);
              });
            },
          );
        },
        () => {
          f.loop(() => {
            for (let l = 0; l < width; l++) {
              f.get(left).i32(l).op(Op.i32_gt_u).if(
                () => {
                  f.get(dp).get(sp).get(laneOff[l]!).op(Op.i32_add).mem(loadOp, align, 0);
                  f.mem(storeOp, align, l * es);
                },
                () => {
                  f.get(dp);
                  zero();
                  f.mem(storeOp, align, l * es);
                },
              );
            }
            f.get(sp).get(ds).op(Op.i32_add).set(sp);
            f.addTo(dp, rowBytes);
            f.get(dp).get(dEnd).op(Op.i32_lt_u).brIf(0);
          });
        },
      );
      // Next strip: source advances width lanes.
      f.get(src).get(ls).i32(width).op(Op.i32_mul).op(Op.i32_add).set(src);
      f.get(left).i32(width).op(Op.i32_sub).tee(left).i32(0).op(Op.i32_gt_s).brIf(0);
    });
  });
  return f;
}

/** `pack_task(table, idx)`: runs task `idx` of the table (TASK layout) with pack function `fns[fn]`. */
function buildPackTask(fns: readonly number[]): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32]);
  const [table, idx] = f.params as [Local, Local];
  const t = f.local(I32);
  const fn = f.local(I32);
  f.get(table).get(idx).i32(TASK_BYTES).op(Op.i32_mul).op(Op.i32_add).set(t);
  f.get(t).i32Load(TASK.fn).set(fn);
  const args = (): void => {
    f.get(t).i32Load(TASK.src).get(t).i32Load(TASK.ls).get(t).i32Load(TASK.ds).get(t).i32Load(TASK.dst).get(t).i32Load(TASK.lanes).get(t).i32Load(TASK.depth);
  };
  fns.forEach((index, i) => {
    f.get(fn).i32(i).op(Op.i32_eq).if(() => {
      args();
      call(f, index);
    });
  });
  return f;
}

/** `item(params, idx)`: dispatches on the job kind. */
function buildDispatch(gemmItem: number, packTask: number): FunctionBuilder {
  const f = new FunctionBuilder([I32, I32]);
  const [params, idx] = f.params as [Local, Local];
  f.get(params).i32Load(PARAM.kind).i32(JOB.pack).op(Op.i32_eq).if(
    () => {
      f.get(params).i32Load(PARAM.tasks).get(idx);
      call(f, packTask);
    },
    () => {
      f.get(params).get(idx);
      call(f, gemmItem);
    },
  );
  return f;
}

/** Pack function selectors (TASK.fn): A and B strips of each dtype. */
export const PACK_FN = { aF32: 0, bF32: 1, aF64: 2, bF64: 3 } as const;

/** The module's bytes; it imports `env.memory` and exports `block_f32`, `block_f64` and `item`. */
export function buildGemmModule(opts: GemmModuleOptions): Uint8Array<ArrayBuffer> {
  const mod = new ModuleBuilder();
  mod.importMemory({ module: 'env', name: 'memory', initialPages: opts.initialPages, maximumPages: opts.maximumPages, shared: opts.shared });
  const b32 = mod.addFunction(buildBlock(F32, opts.f32, opts.relaxed), 'block_f32');
  const b64 = mod.addFunction(buildBlock(F64, opts.f64, opts.relaxed), 'block_f64');
  const gemmItem = mod.addFunction(buildItem(b32, b64, opts.f32, opts.f64));
  // Pack functions per (element size, strip width), in PACK_FN order.
  const widths: Array<[number, number]> = [
    [4, opts.f32.mr],
    [4, opts.f32.nv * 4],
    [8, opts.f64.mr],
    [8, opts.f64.nv * 2],
  ];
  const packFns = widths.map(([es, w]) => mod.addFunction(buildPack(es, w)));
  const packTask = mod.addFunction(buildPackTask(packFns));
  mod.addFunction(buildDispatch(gemmItem, packTask), 'item');
  return mod.bytes();
}
