import type { DType, GradFn, OpAttrs, OpName, Tensor } from '@tessera/tensor';
import { Tensor as TensorClass, TesseraError } from '@tessera/tensor';

/** Where an input of a recorded op gets its gradient: a leaf tensor, another node, or nowhere. */
export interface InputEdge {
  readonly requiresGrad: boolean;
  readonly node: Node | null;
  readonly leaf: Tensor | null;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/**
 * Saves a tensor for backward: a fresh handle that keeps the storage alive outside any tidy scope
 * and keeps the tensor's place in the graph, so rules run with createGraph differentiate through it
 * (a saved leaf becomes an identity node that feeds the original leaf).
 */
function save(t: Tensor): Tensor {
  const h = new TensorClass(t.storage, t.shape, t.strides, t.offset, false);
  if (t.requiresGrad) {
    h.gradFn = t.gradFn ?? new Node('contiguous', {}, [t], [h], false, false);
    h.outputIndex = t.outputIndex;
    h.markRequiresGrad();
  }
  return h;
}

/** One recorded op: the autograd graph's vertex, attached to its first output as `gradFn`. */
export class Node implements GradFn {
  readonly name: OpName;
  readonly attrs: OpAttrs[OpName];
  readonly edges: readonly InputEdge[];
  readonly outputShape: readonly number[];
  readonly outputDtype: DType;
  private savedInputs: (Tensor | null)[] | null;
  private savedOutputs: (Tensor | null)[] | null;
  private output: WeakRef<Tensor>;
  private freed = false;

  constructor(name: OpName, attrs: OpAttrs[OpName], inputs: readonly Tensor[], outputs: readonly Tensor[], saveInputs: boolean, saveOutputs: boolean) {
    this.name = name;
    this.attrs = attrs;
    this.edges = inputs.map((t) => ({
      requiresGrad: t.requiresGrad,
      node: t.requiresGrad ? ((t.gradFn as Node | null) ?? null) : null,
      leaf: t.requiresGrad && t.gradFn === null ? t : null,
      shape: t.shape,
      dtype: t.dtype,
    }));
    this.outputShape = outputs[0]!.shape;
    this.outputDtype = outputs[0]!.dtype;
    this.savedInputs = saveInputs ? inputs.map(save) : null;
    // The first output is saved as this node's own output, so rules that read it stay differentiable.
    this.savedOutputs = saveOutputs
      ? outputs.map((o, i) => {
          const h = new TensorClass(o.storage, o.shape, o.strides, o.offset, false);
          if (i === 0) {
            h.gradFn = this;
            h.markRequiresGrad();
          }
          return h;
        })
      : null;
    this.output = new WeakRef(outputs[0]!);
  }

  /** The op's i-th input as it was at forward time. */
  input(i: number): Tensor {
    return this.fetch(this.savedInputs, i, 'input');
  }
  /** The op's i-th output. */
  out(i: number): Tensor {
    return this.fetch(this.savedOutputs, i, 'output');
  }
  private fetch(list: (Tensor | null)[] | null, i: number, what: string): Tensor {
    if (this.freed) {
      throw new TesseraError('backward', undefined, `the graph through '${this.name}' was already freed by an earlier backward; pass { retainGraph: true } to backward twice`);
    }
    const t = list?.[i];
    if (!t) throw new TesseraError('backward', undefined, `gradient rule of '${this.name}' read ${what} ${i}, which it did not declare to save`);
    return t;
  }

  /** The output tensor, when still reachable (for retainGrad). */
  outputTensor(): Tensor | undefined {
    return this.output.deref();
  }

  get isFreed(): boolean {
    return this.freed;
  }

  /** Drops saved tensors (their storage goes when nothing else uses it). */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    for (const t of [...(this.savedInputs ?? []), ...(this.savedOutputs ?? [])]) t?.dispose();
    this.savedInputs = null;
    this.savedOutputs = null;
  }
}
