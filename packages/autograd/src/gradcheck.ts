import type { Tensor } from '@tessera/tensor';
import { fmtShape, Generator, randn, tensor, Tensor as TensorClass, TesseraError, tidy } from '@tessera/tensor';
import { gradients } from './engine.js';
import { enableGrad, noGrad } from './mode.js';

export interface GradcheckOptions {
  /** Finite-difference step. */
  eps?: number;
  atol?: number;
  rtol?: number;
}

type Outputs = Tensor | readonly Tensor[];

function asList(o: Outputs): Tensor[] {
  return o instanceof TensorClass ? [o] : [...(o as readonly Tensor[])];
}

/**
 * Compares autograd's Jacobian of `fn` at `inputs` with central finite differences, in float64
 * (torch.autograd.gradcheck). Checks every input that requires grad, every output element.
 * Returns true, or throws naming the input, the output element and both values.
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Outputs, inputs: readonly Tensor[], opts: GradcheckOptions = {}): true {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  const checked = inputs.map((t, i) => ({ t, i })).filter(({ t }) => t.requiresGrad);
  if (checked.length === 0) throw new TesseraError('gradcheck', 'inputs', 'has no tensor with requiresGrad');
  for (const { t, i } of checked) {
    if (t.dtype !== 'float64') throw new TesseraError('gradcheck', `inputs[${i}]`, `has dtype ${t.dtype}; gradcheck needs float64 inputs`);
    if (t.device !== 'cpu') throw new TesseraError('gradcheck', `inputs[${i}]`, `is on ${t.device}; gradcheck runs on the cpu`);
  }
  // Analytical Jacobian rows: one backward per output element.
  const { outShapes, analytical } = tidy(() => {
    const outs = asList(fn(...inputs));
    const rows: Float64Array[][] = checked.map(() => []);
    outs.forEach((o, oi) => {
      if (o.dtype !== 'float64') throw new TesseraError('gradcheck', 'fn', `output ${oi} has dtype ${o.dtype}; expected float64`);
      for (let j = 0; j < o.numel; j++) {
        const seed = new Float64Array(o.numel);
        seed[j] = 1;
        if (!o.requiresGrad) {
          checked.forEach((_, k) => rows[k]!.push(new Float64Array(inputs[checked[k]!.i]!.numel)));
          continue;
        }
        const gs = gradients(o, checked.map((c) => c.t), { gradOutputs: [tensor(seed, { dtype: 'float64', shape: o.shape })], retainGraph: true, allowUnused: true });
        gs.forEach((g, k) => rows[k]!.push(g ? (g.dataSync() as Float64Array) : new Float64Array(checked[k]!.t.numel)));
      }
    });
    return { outShapes: outs.map((o) => o.shape), analytical: rows };
  });
  // Numerical Jacobian columns: perturb one input element at a time.
  noGrad(() => {
    checked.forEach(({ t, i }, k) => {
      const base = t.dataSync() as Float64Array;
      const evalAt = (j: number, delta: number): Float64Array[] =>
        tidy(() => {
          const data = Float64Array.from(base);
          data[j]! += delta;
          const args = inputs.map((x, xi) => (xi === i ? tensor(data, { dtype: 'float64', shape: t.shape }) : x));
          return asList(fn(...args)).map((o) => o.dataSync() as Float64Array);
        });
      for (let j = 0; j < base.length; j++) {
        const plus = evalAt(j, eps);
        const minus = evalAt(j, -eps);
        let row = 0;
        plus.forEach((p, oi) => {
          for (let e = 0; e < p.length; e++, row++) {
            const numerical = (p[e]! - minus[oi]![e]!) / (2 * eps);
            const a = analytical[k]![row]![j]!;
            const ok = Math.abs(a - numerical) <= atol + rtol * Math.abs(numerical) || (Number.isNaN(a) && Number.isNaN(numerical));
            if (!ok) {
              throw new TesseraError(
                'gradcheck',
                `inputs[${i}]`,
                `Jacobian mismatch at input element ${j} (shape ${fmtShape(t.shape)}), output ${oi} element ${e} (shape ${fmtShape(outShapes[oi]!)}): analytical ${a}, numerical ${numerical}`,
              );
            }
          }
        });
      }
    });
  });
  return true;
}

/**
 * Checks second derivatives: gradcheck of x ↦ vᵀ·∂fn/∂x for a fixed random v
 * (torch.autograd.gradgradcheck). Every gradient rule is written with tensor ops, so this holds for all ops.
 */
export function gradgradcheck(fn: (...inputs: Tensor[]) => Outputs, inputs: readonly Tensor[], opts: GradcheckOptions & { seed?: number } = {}): true {
  const generator = new Generator(opts.seed ?? 0);
  const shapes = noGrad(() => asList(fn(...inputs)).map((o) => o.shape));
  const upstream = shapes.map((s) => randn(s, { dtype: 'float64', generator }));
  const mask = inputs.map((t) => t.requiresGrad);
  const firstOrder = (...xs: Tensor[]): Tensor[] =>
    enableGrad(() => {
      const leaves = xs.map((x, i) => (mask[i] && !x.requiresGrad ? x.detach().requiresGrad_(true) : x));
      const diff = leaves.filter((_, i) => mask[i]);
      const outs = asList(fn(...leaves));
      const live = outs.map((o, i) => ({ o, v: upstream[i]! })).filter(({ o }) => o.requiresGrad);
      if (live.length === 0) return diff.map((d) => d.detach().mul(0));
      const gs = gradients(live.map((l) => l.o), diff, { gradOutputs: live.map((l) => l.v), createGraph: true, allowUnused: true });
      return gs.map((g, i) => g ?? diff[i]!.detach().mul(0));
    });
  return gradcheck(firstOrder, inputs, opts);
}
