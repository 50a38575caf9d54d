/**
 * The PyTorch reference (test/fixtures/optim-reference.json, written by scripts/optim_reference.py)
 * and helpers that build the same parameters and gradients in Tessera.
 */
import { readFileSync } from 'node:fs';
import * as T from '@tessera/tensor';
import type { DeviceName, DType, NestedArray, Tensor } from '@tessera/tensor';
import { Adam, AdamW, SGD } from '../../src/optim/index.js';
import type { Optimizer, OptimizerOptions, ParamGroupInput } from '../../src/optim/index.js';

export type Nested = number | Nested[];
export type ParamName = 'w' | 'b' | 'c';
export type Values = Record<ParamName, Nested>;

export interface OptimizerCase {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW';
  options: Record<string, unknown>;
  groups: { params: ParamName[]; options: Record<string, unknown> }[] | null;
  float64: Values[];
  float32: Values[];
  stateDict: {
    state: Record<string, Record<string, number | Nested>>;
    paramGroups: ({ params: number[] } & Record<string, unknown>)[];
  };
}

export interface ClipNormCase {
  maxNorm: number;
  normType: number | 'inf';
  float64: { totalNorm: number; grads: Record<ParamName, Nested | null> };
  float32: { totalNorm: number; grads: Record<ParamName, Nested | null> };
}

export interface SchedulerCase {
  name: 'constant' | 'constant_with_warmup' | 'linear' | 'cosine';
  numWarmupSteps: number;
  numTrainingSteps: number;
  numCycles?: number;
  baseLrs: number[];
  lrs: number[][];
}

export interface Reference {
  torchVersion: string;
  params: Values;
  paramOrder: ParamName[];
  grads: Record<ParamName, Nested | null>[];
  optimizers: OptimizerCase[];
  clip: {
    grads: Record<ParamName, Nested | null>;
    norm: ClipNormCase[];
    value: { clipValue: number; grads: Record<ParamName, Nested | null> }[];
  };
  schedulers: SchedulerCase[];
}

export const ref = JSON.parse(readFileSync(new URL('../fixtures/optim-reference.json', import.meta.url), 'utf8')) as Reference;

export function optimizerCase(name: string): OptimizerCase {
  const c = ref.optimizers.find((o) => o.name === name);
  if (!c) throw new Error(`no optimizer case ${name} in the fixture`);
  return c;
}

export type Params = Record<ParamName, Tensor>;

/** Fresh leaf parameters with the reference's initial values (kept: outside tidy scopes). */
export function makeParams(dtype: DType, device: DeviceName = 'cpu'): Params {
  const out = {} as Params;
  for (const n of ref.paramOrder) out[n] = T.keep(T.tensor(ref.params[n] as NestedArray, { dtype, device }).requiresGrad_());
  return out;
}

/** Replaces every parameter's grad with `grads` (null: no grad), disposing the old ones. */
export function setGrads(params: Params, grads: Record<ParamName, Nested | null>, dtype: DType, device: DeviceName = 'cpu'): void {
  for (const n of ref.paramOrder) {
    params[n].grad?.dispose();
    const g = grads[n];
    params[n].grad = g === null ? null : T.keep(T.tensor(g as NestedArray, { dtype, device }));
  }
}

export function disposeParams(params: Params): void {
  for (const p of Object.values(params)) {
    p.grad?.dispose();
    p.grad = null;
    p.dispose();
  }
}

const CLASSES = { SGD, Adam, AdamW } as const;

/** The case's optimizer over `params`, with its groups as in the script. */
export function makeOptimizer(c: OptimizerCase, params: Params): Optimizer<OptimizerOptions> {
  const Cls = CLASSES[c.optimizer];
  const input = c.groups
    ? c.groups.map((g) => ({ params: g.params.map((n) => params[n]), ...g.options }) as ParamGroupInput<never>)
    : ref.paramOrder.map((n) => params[n]);
  return new Cls(input as never, c.options as never) as unknown as Optimizer<OptimizerOptions>;
}

export function flat(x: Nested | NestedArray | null): number[] {
  if (x === null) return [];
  if (Array.isArray(x)) return (x as Nested[]).flatMap((v) => flat(v));
  return [Number(x)];
}

/** Largest |a - b| / max(1, |b|) over two equally long lists (Infinity when lengths differ). */
export function maxRelErr(actual: ArrayLike<number>, expected: readonly number[]): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const d = Math.abs(actual[i]! - e) / Math.max(1, Math.abs(e));
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}
