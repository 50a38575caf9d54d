import type { RandomKind } from '../../../backend.js';
import type { DType, TypedArray } from '../../../dtype.js';
import { allocArray } from '../../../dtype.js';
import { bitsToNormal, bitsToUniform, threefry2x32 } from '../../../random.js';

/** Element i gets threefry(key, offset + i): uniform from word 0, normal from both words. */
export function randomKernel(kind: RandomKind, dtype: DType, size: number, key: readonly [number, number], offset: number): TypedArray {
  const out = allocArray(dtype, size);
  const words = new Uint32Array(2);
  const [k0, k1] = key;
  for (let i = 0; i < size; i++) {
    const counter = offset + i;
    threefry2x32(k0, k1, counter % 4294967296 >>> 0, Math.floor(counter / 4294967296) >>> 0, words);
    out[i] = kind === 'uniform' ? bitsToUniform(words[0]!) : bitsToNormal(words[0]!, words[1]!);
  }
  return out;
}
