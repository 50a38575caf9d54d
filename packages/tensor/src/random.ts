import { TesseraError } from './errors.js';

/** Threefry-2x32 rotation constants (Salmon et al. 2011), 20 rounds. */
const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24] as const;
const PARITY = 0x1bd11bda;

function rotl(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

/**
 * Threefry-2x32-20 of counter `(c0, c1)` under key `(k0, k1)`, written into `out[0..1]`.
 * Counter-based, so any element's random bits depend only on (key, counter): the CPU and WGSL
 * kernels produce the same streams, and a generator's state is just (key, offset).
 */
export function threefry2x32(k0: number, k1: number, c0: number, c1: number, out: Uint32Array): void {
  const ks2 = (PARITY ^ k0 ^ k1) >>> 0;
  const ks0 = k0 >>> 0;
  const ks1 = k1 >>> 0;
  const ks = [ks0, ks1, ks2];
  let x0 = (c0 + ks0) >>> 0;
  let x1 = (c1 + ks1) >>> 0;
  for (let group = 0; group < 5; group++) {
    for (let r = 0; r < 4; r++) {
      x0 = (x0 + x1) >>> 0;
      x1 = rotl(x1, ROTATIONS[(group % 2) * 4 + r]!);
      x1 = (x1 ^ x0) >>> 0;
    }
    const s = group + 1;
    x0 = (x0 + ks[s % 3]!) >>> 0;
    x1 = (x1 + ks[(s + 1) % 3]! + s) >>> 0;
  }
  out[0] = x0;
  out[1] = x1;
}

/** 24 random bits as a float in [0, 1) (exact in float32, the same on every backend). */
export function bitsToUniform(bits: number): number {
  return (bits >>> 8) * 5.960464477539063e-8;
}

/** Box–Muller from two words: a standard normal sample. */
export function bitsToNormal(w0: number, w1: number): number {
  const u1 = ((w0 >>> 8) + 1) * 5.960464477539063e-8; // (0, 1]
  const u2 = (w1 >>> 8) * 5.960464477539063e-8;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

export interface GeneratorState {
  readonly seed: number;
  readonly offset: number;
}

/** A seeded source of random tensors. Its state is (seed, offset): save it with `getState`, restore with `setState`. */
export class Generator {
  private seedValue = 0;
  private key: [number, number] = [0, 0];
  private offset = 0;

  constructor(seed = 67280421310721) {
    this.manualSeed(seed);
  }

  /** Resets the generator to `seed` (a non-negative integer below 2^53). */
  manualSeed(seed: number): this {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new TesseraError('manualSeed', 'seed', `must be a non-negative safe integer, got ${seed}`);
    }
    this.seedValue = seed;
    this.key = [seed % 4294967296 >>> 0, Math.floor(seed / 4294967296) >>> 0];
    this.offset = 0;
    return this;
  }

  initialSeed(): number {
    return this.seedValue;
  }

  getState(): GeneratorState {
    return { seed: this.seedValue, offset: this.offset };
  }

  setState(state: GeneratorState): this {
    this.manualSeed(state.seed);
    if (!Number.isSafeInteger(state.offset) || state.offset < 0) {
      throw new TesseraError('Generator.setState', 'state.offset', `must be a non-negative safe integer, got ${state.offset}`);
    }
    this.offset = state.offset;
    return this;
  }

  /** Reserves `count` counters and returns the key and the first counter. */
  take(count: number): { key: readonly [number, number]; offset: number } {
    const offset = this.offset;
    this.offset += count;
    return { key: this.key, offset };
  }

  /** A host-side uniform float in [0, 1): for samplers and noise that live in JS. */
  random(): number {
    const { key, offset } = this.take(1);
    const out = new Uint32Array(2);
    threefry2x32(key[0], key[1], offset % 4294967296 >>> 0, Math.floor(offset / 4294967296), out);
    return ((out[0]! >>> 5) * 67108864 + (out[1]! >>> 6)) / 9007199254740992; // 53 bits, in [0, 1)
  }
}

/** The generator factories use when none is passed. */
export const defaultGenerator = new Generator();

/** Seeds the default generator, like torch.manual_seed. */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}

/**
 * Runs `fn` with `generator` (default: the global one) set to `state`, then restores the previous
 * state: replays exactly the random draws (dropout masks) made from `state` (GradCache, step 3).
 */
export function withRngState<T>(state: GeneratorState, fn: () => T, generator: Generator = defaultGenerator): T {
  const saved = generator.getState();
  generator.setState(state);
  try {
    return fn();
  } finally {
    generator.setState(saved);
  }
}
