/**
 * The tfjs peer's cases, named like Tessera's and each tied (`peerOf`) to the Tessera case it is compared
 * with: tfjs-cpu against the CPU rows, tfjs-webgpu against the WebGPU rows.
 */
import { MATMUL_SIZES, matmulCaseName } from '../cpu/matmul.bench.js';
import type { MatmulSize, MatmulSuiteOptions } from '../cpu/matmul.bench.js';
import { NORM_SHAPE, layerNormBytes, layerNormCaseName, softmaxBytes, softmaxCaseName } from '../cpu/norm.bench.js';
import type { NormSuiteOptions } from '../cpu/norm.bench.js';
import { Suite } from '../suite.js';
import type { Budget } from '../suite.js';
import { WEBGPU_MATMUL_SUITE } from '../webgpu/matmul.bench.js';
import { WEBGPU_NORM_SUITE } from '../webgpu/norm.bench.js';
import { tfjsPeer } from './tfjs.js';
import type { TfjsDevice } from './tfjs.js';

/** tfjs-cpu (pure JS) takes ~3 s for 1024³ on this machine: the CPU comparison is that one size. */
export const TFJS_CPU_MATMUL_SIZES: readonly MatmulSize[] = [{ m: 1024, k: 1024, n: 1024 }];

const TESSERA_SUITE = {
  matmul: { cpu: 'matmul', webgpu: WEBGPU_MATMUL_SUITE },
  norm: { cpu: 'norm', webgpu: WEBGPU_NORM_SUITE },
} as const;

const MATMUL_BUDGET: Record<TfjsDevice, Budget> = {
  cpu: { time: 1500, iterations: 3, warmupTime: 0, warmupIterations: 1 },
  webgpu: { time: 2000, iterations: 3, warmupTime: 0, warmupIterations: 2 },
};
const NORM_BUDGET: Record<TfjsDevice, Budget> = {
  cpu: { time: 1000, iterations: 5, warmupTime: 200, warmupIterations: 2 },
  webgpu: { time: 1500, iterations: 3, warmupTime: 200, warmupIterations: 2 },
};

/** tfjs `matMul` on `device`, same cases (GFLOP/s) as Tessera's matmul suite on that device. */
export async function tfjsMatmulSuite(device: TfjsDevice, opts: MatmulSuiteOptions = {}): Promise<Suite> {
  const name = `tfjs-${device} matmul`;
  const of = TESSERA_SUITE.matmul[device];
  const sizes = opts.sizes ?? (device === 'cpu' ? TFJS_CPU_MATMUL_SIZES : MATMUL_SIZES);
  // An empty suite when no case passes the filter or the peer cannot run (tfjs is not even loaded then).
  const empty = new Suite(name, MATMUL_BUDGET[device], opts);
  if (!empty.wantsAny(sizes.map(matmulCaseName), of)) return empty;
  const peer = await tfjsPeer(device);
  if (!peer) return empty;
  const { tf } = peer;
  const suite = new Suite(name, MATMUL_BUDGET[device], opts, peer.harness);
  const seed = opts.seed ?? 0;
  for (const size of sizes) {
    const { m, k, n } = size;
    const c = matmulCaseName(size);
    suite.add(
      c,
      'GFLOP/s',
      2 * m * k * n,
      () => {
        const a = tf.randomNormal([m, k], 0, 1, 'float32', seed);
        const b = tf.randomNormal([k, n], 0, 1, 'float32', seed + 1);
        return { inputs: [a, b], run: () => tf.matMul(a, b) };
      },
      { suite: of, case: c },
    );
  }
  return suite;
}

/**
 * tfjs softmax over the last dim and layerNorm on `device`, same cases (GB/s) as Tessera's norm suite.
 * tfjs-core has no layerNorm op: it is `moments` over the last dim then `batchNorm` with weight and bias
 * (as `tf.layers.layerNormalization` computes it); weight and bias are made as [1, features], the rank
 * `batchNorm` wants.
 */
export async function tfjsNormSuite(device: TfjsDevice, opts: NormSuiteOptions = {}): Promise<Suite> {
  const name = `tfjs-${device} norm`;
  const of = TESSERA_SUITE.norm[device];
  const [rows, cols] = opts.shape ?? NORM_SHAPE;
  const cases = [softmaxCaseName(rows, cols), layerNormCaseName(rows, cols)];
  const empty = new Suite(name, NORM_BUDGET[device], opts);
  if (!empty.wantsAny(cases, of)) return empty;
  const peer = await tfjsPeer(device);
  if (!peer) return empty;
  const { tf } = peer;
  const suite = new Suite(name, NORM_BUDGET[device], opts, peer.harness);
  const seed = opts.seed ?? 0;

  suite.add(
    cases[0]!,
    'GB/s',
    softmaxBytes(rows, cols),
    () => {
      const x = tf.randomNormal([rows, cols], 0, 1, 'float32', seed);
      return { inputs: [x], run: () => tf.softmax(x, -1) };
    },
    { suite: of, case: cases[0]! },
  );

  suite.add(
    cases[1]!,
    'GB/s',
    layerNormBytes(rows, cols),
    () => {
      const x = tf.randomNormal([rows, cols], 0, 1, 'float32', seed + 1);
      const weight = tf.randomNormal([1, cols], 0, 1, 'float32', seed + 2);
      const bias = tf.randomNormal([1, cols], 0, 1, 'float32', seed + 3);
      const run = () => {
        const { mean, variance } = tf.moments(x, -1, true);
        return tf.batchNorm(x, mean, variance, bias, weight, 1e-5);
      };
      return { inputs: [x, weight, bias], run };
    },
    { suite: of, case: cases[1]! },
  );
  return suite;
}
