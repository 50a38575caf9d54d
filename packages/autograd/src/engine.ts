import type { Tensor } from '@tessera/tensor';
import { add, clone, fmtShape, keep, ones, shapesEqual, tidy, TesseraError } from '@tessera/tensor';
import type { Node } from './node.js';
import { rules } from './rules.js';
import type { GradRule, RuleContext } from './rules.js';
import { enableGrad, noGrad } from './mode.js';
import type { OpName } from '@tessera/tensor';

export interface BackwardOptions {
  /** Keep saved tensors so the graph can be walked again (default: createGraph, as PyTorch). */
  retainGraph?: boolean;
  /** Record the backward pass itself, for gradients of gradients. */
  createGraph?: boolean;
}

/** Reachable nodes and, for each, how many reachable consumers will send it a gradient. */
function dependencies(roots: readonly Node[]): Map<Node, number> {
  const deps = new Map<Node, number>();
  const stack = [...roots];
  for (const r of roots) if (!deps.has(r)) deps.set(r, 0);
  const seen = new Set<Node>(roots);
  while (stack.length) {
    const node = stack.pop()!;
    for (const e of node.edges) {
      if (!e.node) continue;
      deps.set(e.node, (deps.get(e.node) ?? 0) + 1);
      if (!seen.has(e.node)) {
        seen.add(e.node);
        stack.push(e.node);
      }
    }
  }
  return deps;
}

/**
 * Adds `g` into `map[key]`. With `own`, the map holds handles of its own (a detached handle of `g`,
 * or the sum, the previous partial sum disposed): whoever made `g` may then dispose it at once.
 */
function accumulate(map: Map<unknown, Tensor>, key: unknown, g: Tensor, own = false): void {
  const prev = map.get(key);
  if (!own) {
    map.set(key, prev ? add(prev, g) : g);
    return;
  }
  map.set(key, prev ? add(prev, g) : g.detach());
  prev?.dispose();
}

function checkGrad(node: Node, i: number, g: Tensor): void {
  const e = node.edges[i]!;
  if (!shapesEqual(g.shape, e.shape)) {
    throw new TesseraError('backward', undefined, `gradient rule of '${node.name}' gave shape ${fmtShape(g.shape)} for input ${i} of shape ${fmtShape(e.shape)}`);
  }
}

/**
 * Walks the graph from `roots` in reverse topological order, calling each node's rule once all
 * its consumers have contributed. Leaf gradients go to `onLeaf`; with `targets`, only those
 * tensors' gradients are collected (torch.autograd.grad).
 */
function run(roots: readonly Tensor[], rootGrads: readonly Tensor[], opts: BackwardOptions, onLeaf: (leaf: Tensor, g: Tensor) => void, targets?: ReadonlySet<Tensor>, onTarget?: (t: Tensor, g: Tensor) => void): void {
  const nodeGrads = new Map<unknown, Tensor>();
  // Without createGraph, each gradient is disposed as soon as it has been used (and each rule's
  // temporaries when the rule returns), as PyTorch frees them: peak memory is then the forward's
  // activations plus the gradients in flight, not plus every gradient of the whole backward pass.
  // With createGraph they stay: the recorded graph of the backward pass refers to them.
  const eager = !opts.createGraph;
  const rootNodes: Node[] = [];
  roots.forEach((r, i) => {
    const g = rootGrads[i]!;
    if (targets?.has(r)) onTarget!(r, g);
    if (r.gradFn) {
      accumulate(nodeGrads, r.gradFn, g, eager);
      rootNodes.push(r.gradFn as Node);
    } else if (r.requiresGrad) onLeaf(r, g);
  });
  const deps = dependencies(rootNodes);
  const ready = rootNodes.filter((n, i) => rootNodes.indexOf(n) === i && deps.get(n) === 0);
  const drain = (): void => {
    while (ready.length) {
      const node = ready.pop()!;
      const g = nodeGrads.get(node);
      nodeGrads.delete(node);
      const out = node.outputTensor();
      if (g && out && targets?.has(out)) onTarget!(out, g);
      if (g && out?.retainsGrad) setGrad(out, g, !!opts.createGraph);
      let grads: (Tensor | null)[] = [];
      if (g) {
        const rule = rules[node.name] as GradRule<OpName>;
        const context = node as unknown as RuleContext<OpName>;
        grads = eager ? tidy(() => rule.backward(g, context)) : rule.backward(g, context);
      }
      // Tensors handed on as they are (to `gradients`' caller): not disposed here.
      const delivered = new Set<Tensor>();
      if (g && out && targets?.has(out)) delivered.add(g);
      node.edges.forEach((e, i) => {
        const gi = grads[i];
        if (gi && e.requiresGrad) {
          checkGrad(node, i, gi);
          if (e.leaf) {
            if (targets?.has(e.leaf)) {
              onTarget!(e.leaf, gi);
              delivered.add(gi);
            } else if (!targets) onLeaf(e.leaf, gi);
          } else if (e.node) accumulate(nodeGrads, e.node, gi, eager);
        }
        if (e.node) {
          const left = deps.get(e.node)! - 1;
          deps.set(e.node, left);
          if (left === 0) ready.push(e.node);
        }
      });
      if (!(opts.retainGraph ?? opts.createGraph)) node.free();
      if (eager) {
        // setGrad and accumulate keep handles of their own; `delivered` ones belong to the caller now.
        for (const t of new Set([g, ...grads])) if (t && !t.disposed && !delivered.has(t)) t.dispose();
      }
    }
  };
  if (opts.createGraph) enableGrad(drain);
  else noGrad(drain);
}

/**
 * Adds `g` into `t.grad`. An existing gradient is updated in place (references to it stay valid,
 * as in PyTorch); a new one is a kept tensor, outside every tidy scope.
 */
function setGrad(t: Tensor, g: Tensor, createGraph: boolean): void {
  if (!t.grad) {
    // A gradient that is a view (of a broadcast or a slice) is copied, so it can be updated in place later.
    const whole = g.isContiguous() && g.offset === 0 && g.storage.size === g.numel;
    t.grad = keep(createGraph ? g : whole ? g.detach() : clone(g));
  } else if (createGraph || t.grad.disposed) {
    const old = t.grad;
    t.grad = keep(add(old, g));
    if (!old.disposed) old.dispose();
  } else {
    t.grad.assign(add(t.grad, g));
  }
}

function checkRoots(op: string, outputs: readonly Tensor[], grads: readonly (Tensor | undefined)[]): Tensor[] {
  return outputs.map((o, i) => {
    if (!o.requiresGrad) {
      throw new TesseraError(op, 'tensor', `does not require grad and has no grad_fn (shape ${fmtShape(o.shape)}); nothing to differentiate`);
    }
    const g = grads[i];
    if (g) {
      if (!shapesEqual(g.shape, o.shape)) throw new TesseraError(op, 'gradient', `has shape ${fmtShape(g.shape)}; expected ${fmtShape(o.shape)}`);
      return g;
    }
    if (o.numel !== 1) {
      throw new TesseraError(op, 'gradient', `is required for a non-scalar output (shape ${fmtShape(o.shape)}); grad can be implicitly created only for scalars`);
    }
    return ones(o.shape, { dtype: o.dtype, device: o.device });
  });
}

/** Accumulates d(output)/d(leaf) into `.grad` of every leaf that requires grad (torch.Tensor.backward). */
export function backward(output: Tensor, gradient?: Tensor, opts: BackwardOptions = {}): void {
  tidy(() => {
    const [g] = checkRoots('backward', [output], [gradient]);
    run([output], [g!], opts, (leaf, gl) => setGrad(leaf, gl, !!opts.createGraph));
  });
}

export interface GradientsOptions extends BackwardOptions {
  /** Upstream gradients, one per output (required for non-scalar outputs). */
  gradOutputs?: readonly (Tensor | undefined)[];
  /** Return null (instead of throwing) for inputs the outputs do not depend on. */
  allowUnused?: boolean;
}

/** Gradients of `outputs` with respect to `inputs`, without touching `.grad` (torch.autograd.grad). */
export function gradients(outputs: Tensor | readonly Tensor[], inputs: readonly Tensor[], opts: GradientsOptions = {}): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? (outputs as readonly Tensor[]) : [outputs as Tensor];
  inputs.forEach((t, i) => {
    if (!t.requiresGrad) throw new TesseraError('gradients', `inputs[${i}]`, `does not require grad (shape ${fmtShape(t.shape)})`);
  });
  const collected = tidy(() => {
    const sums = new Map<Tensor, Tensor>();
    const roots = checkRoots('gradients', outs, opts.gradOutputs ?? []);
    run(outs, roots, opts, () => undefined, new Set(inputs), (t, g) => accumulate(sums, t, g));
    return inputs.map((t) => sums.get(t) ?? null);
  });
  collected.forEach((g, i) => {
    if (!g && !opts.allowUnused) {
      throw new TesseraError('gradients', `inputs[${i}]`, 'was not used to compute the outputs; pass { allowUnused: true } to get null');
    }
  });
  return collected;
}
