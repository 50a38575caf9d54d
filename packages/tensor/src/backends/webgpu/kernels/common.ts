/** Shared pieces of the WGSL generators. */

export const WORKGROUP = 256;

/** Workgroup counts for `n` invocations, folding into y past the 65535-per-dimension limit. */
export function grid(n: number, perGroup = WORKGROUP, maxDim = 65535): [number, number] {
  const groups = Math.max(1, Math.ceil(n / perGroup));
  if (groups <= maxDim) return [groups, 1];
  return [maxDim, Math.ceil(groups / maxDim)];
}

/** The flat invocation index of a 1-D launch folded by `grid`. */
export const FLAT_INDEX = 'let i = gid.x + gid.y * nwg.x * WG;';

/** `p.name[d / 4][d % 4]` for a vec4-packed uniform array. */
export function packed(name: string, d: number): string {
  return `${name}[${Math.floor(d / 4)}].${'xyzw'[d % 4]}`;
}

/** Writes u32 words into an ArrayBuffer for a uniform block. */
export class UniformWriter {
  private readonly view: DataView;
  constructor(readonly words: number) {
    this.view = new DataView(new ArrayBuffer(Math.ceil(words / 4) * 16));
  }
  u32(index: number, v: number): this {
    this.view.setUint32(index * 4, v >>> 0, true);
    return this;
  }
  i32(index: number, v: number): this {
    this.view.setInt32(index * 4, v | 0, true);
    return this;
  }
  f32(index: number, v: number): this {
    this.view.setFloat32(index * 4, v, true);
    return this;
  }
  get buffer(): ArrayBuffer {
    return this.view.buffer as ArrayBuffer;
  }
}
