import type { DeviceName, Tensor } from '@tessera/tensor';
import { fmtShape, shapesEqual, Tensor as TensorClass, TesseraError, toDevice } from '@tessera/tensor';
import { noGrad } from '@tessera/autograd';

/** Parameters and persistent buffers by PyTorch dotted name (insertion-ordered). */
export type StateDict = Record<string, Tensor>;

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

type Fields = Record<string, unknown>;

/**
 * Base class of layers and models, as torch.nn.Module: parameters, buffers and submodules are
 * registered by name (`this.param`, `this.buffer`, `this.child`) and stored as ordinary fields,
 * so dotted names (`encoder.layer.0.attention.self.query.weight`) match PyTorch checkpoints.
 */
export abstract class Module {
  /** Dropout and similar layers act only while training. */
  training = true;
  private readonly paramNames: string[] = [];
  private readonly bufferNames: string[] = [];
  private readonly nonPersistent = new Set<string>();
  private readonly childNames: string[] = [];

  /** Registers a trainable parameter (a float leaf that requires grad) and stores it as field `name`. */
  protected param(name: string, value: Tensor): Tensor {
    if (!(value instanceof TensorClass)) throw new TesseraError('Module.param', name, 'must be a Tensor');
    const leaf = value.gradFn ? value.detach() : value;
    leaf.requiresGrad = true;
    leaf.kept = true;
    this.register(this.paramNames, name, leaf);
    return leaf;
  }

  /** Registers a buffer (state that is not trained); `persistent: false` keeps it out of the state dict. */
  protected buffer(name: string, value: Tensor, persistent = true): Tensor {
    value.kept = true;
    this.register(this.bufferNames, name, value);
    if (!persistent) this.nonPersistent.add(name);
    return value;
  }

  /** Registers a submodule and stores it as field `name`. */
  protected child<M extends Module>(name: string, module: M): M {
    if (!(module instanceof Module)) throw new TesseraError('Module.child', name, 'must be a Module');
    this.register(this.childNames, name, module);
    return module;
  }

  private register(list: string[], name: string, value: unknown): void {
    if (this.paramNames.includes(name) || this.bufferNames.includes(name) || this.childNames.includes(name)) {
      if (!list.includes(name)) throw new TesseraError('Module.register', name, 'is already registered as another kind of member');
    } else list.push(name);
    (this as unknown as Fields)[name] = value;
  }

  private field<T>(name: string): T {
    return (this as unknown as Fields)[name] as T;
  }

  /**
   * Replaces the parameter at dotted `path` by `value` (same shape and dtype): the way to tie weights,
   * since a tensor held by two modules is one parameter. Returns the replaced tensor.
   */
  setParameter(path: string, value: Tensor): Tensor {
    const parts = path.split('.');
    const name = parts.pop()!;
    let owner: Module = this;
    for (const part of parts) {
      const next = owner.childNames.includes(part) ? owner.field<Module>(part) : null;
      if (!next) throw new TesseraError('Module.setParameter', 'path', `'${path}': no submodule '${part}'`);
      owner = next;
    }
    if (!owner.paramNames.includes(name)) throw new TesseraError('Module.setParameter', 'path', `'${path}' is not a parameter`);
    const old = owner.field<Tensor>(name);
    if (!shapesEqual(old.shape, value.shape) || old.dtype !== value.dtype) {
      throw new TesseraError('Module.setParameter', 'value', `has ${value.dtype} ${fmtShape(value.shape)}; '${path}' is ${old.dtype} ${fmtShape(old.shape)}`);
    }
    (owner as unknown as Fields)[name] = value;
    return old;
  }

  /** Direct submodules with their names. */
  namedChildren(): [string, Module][] {
    return this.childNames.map((n) => [n, this.field<Module>(n)]);
  }

  /** This module and every descendant, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, m] of this.namedChildren()) out.push(...m.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Parameters with dotted names; a parameter shared by two modules (tied weights) appears once. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [path, m] of this.namedModules(prefix)) {
      for (const n of m.paramNames) {
        const t = m.field<Tensor | null>(n);
        if (!t || seen.has(t)) continue;
        seen.add(t);
        out.push([path ? `${path}.${n}` : n, t]);
      }
    }
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [path, m] of this.namedModules(prefix)) {
      for (const n of m.bufferNames) {
        const t = m.field<Tensor | null>(n);
        if (t) out.push([path ? `${path}.${n}` : n, t]);
      }
    }
    return out;
  }

  /** Sets training mode here and in every submodule. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Drops every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /**
   * Parameters and persistent buffers by dotted name, as handles sharing storage. Tied parameters
   * appear under every name that holds them, as in torch.
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [path, m] of this.namedModules()) {
      const join = (n: string): string => (path ? `${path}.${n}` : n);
      for (const n of m.paramNames) {
        const t = m.field<Tensor | null>(n);
        if (t) out[join(n)] = t.detach();
      }
      for (const n of m.bufferNames) {
        const t = m.field<Tensor | null>(n);
        if (t && !m.nonPersistent.has(n)) out[join(n)] = t.detach();
      }
    }
    return out;
  }

  /**
   * Copies values from `dict` into this module's parameters and buffers (in place, so optimizers keep
   * their references). With `strict` (default), missing, unexpected and mis-shaped keys are an error
   * that lists them all; otherwise matching keys load and the rest are reported.
   */
  loadStateDict(dict: StateDict, opts: { strict?: boolean } = {}): LoadResult {
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    const missing = Object.keys(own).filter((k) => !(k in dict));
    const unexpected = Object.keys(dict).filter((k) => !(k in own));
    const misShaped = Object.keys(own)
      .filter((k) => k in dict && !shapesEqual(own[k]!.shape, dict[k]!.shape))
      .map((k) => `${k}: checkpoint ${fmtShape(dict[k]!.shape)}, model ${fmtShape(own[k]!.shape)}`);
    if (misShaped.length > 0 || (strict && (missing.length > 0 || unexpected.length > 0))) {
      const parts: string[] = [];
      if (missing.length) parts.push(`missing keys: ${missing.join(', ')}`);
      if (unexpected.length) parts.push(`unexpected keys: ${unexpected.join(', ')}`);
      if (misShaped.length) parts.push(`size mismatch: ${misShaped.join('; ')}`);
      for (const t of Object.values(own)) t.dispose();
      throw new TesseraError('loadStateDict', 'dict', `does not match the module (${parts.join(' | ')})`);
    }
    noGrad(() => {
      for (const [path, m] of this.namedModules()) {
        const join = (n: string): string => (path ? `${path}.${n}` : n);
        for (const n of [...m.paramNames, ...m.bufferNames]) {
          const target = m.field<Tensor | null>(n);
          const source = dict[join(n)];
          if (!target || !source) continue;
          const value = source.device === target.device ? source : source.to(target.device);
          const cast = value.dtype === target.dtype ? value : value.to(target.dtype);
          target.assign(cast.contiguous());
        }
      }
    });
    for (const t of Object.values(own)) t.dispose();
    return { missingKeys: missing, unexpectedKeys: unexpected };
  }

  /**
   * Moves every parameter and buffer to `device` (replacing the tensors; parameters stay leaves
   * that require grad). Moving off the GPU reads asynchronously, hence the Promise.
   */
  async to(device: DeviceName): Promise<this> {
    const moved = new Map<Tensor, Tensor>(); // tied parameters stay tied
    for (const m of this.modules()) {
      for (const n of [...m.paramNames, ...m.bufferNames]) {
        const t = m.field<Tensor | null>(n);
        if (!t || t.device === device) continue;
        let next = moved.get(t);
        if (!next) {
          next = await toDevice(t, device);
          next.kept = true;
          if (m.paramNames.includes(n)) next.requiresGrad = true;
          moved.set(t, next);
        }
        (m as unknown as Fields)[n] = next;
      }
    }
    for (const t of moved.keys()) t.dispose();
    return this;
  }

  /** The device of the first parameter (or buffer); 'cpu' when there is none. */
  get device(): DeviceName {
    return (this.parameters()[0] ?? this.namedBuffers()[0]?.[1])?.device ?? 'cpu';
  }

  /**
   * A deep copy with fresh parameter storage (ContrastiveTension trains a copy of the encoder).
   * Tied parameters stay tied within the copy.
   */
  clone(): this {
    const copies = new Map<unknown, unknown>();
    const copy = <T>(value: T): T => {
      if (value instanceof TensorClass) {
        if (!copies.has(value)) {
          const c = noGrad(() => value.clone());
          c.kept = true;
          if (value.requiresGrad) c.requiresGrad = true;
          copies.set(value, c);
        }
        return copies.get(value) as T;
      }
      if (value instanceof Module) {
        if (!copies.has(value)) {
          const m = Object.create(Object.getPrototypeOf(value) as object) as Fields;
          copies.set(value, m);
          for (const [k, v] of Object.entries(value)) m[k] = copy(v);
        }
        return copies.get(value) as T;
      }
      if (Array.isArray(value)) return value.map(copy) as T;
      if (value instanceof Set) return new Set([...value].map(copy)) as T;
      if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, copy(v)])) as T;
      if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
        const o: Fields = {};
        for (const [k, v] of Object.entries(value)) o[k] = copy(v);
        return o as T;
      }
      return value;
    };
    return copy(this);
  }
}

/** An indexable list of submodules, registered as '0', '1', … (torch.nn.ModuleList). */
export class ModuleList<M extends Module = Module> extends Module implements Iterable<M> {
  private readonly items: M[] = [];

  constructor(modules: readonly M[] = []) {
    super();
    for (const m of modules) this.append(m);
  }

  append(module: M): this {
    this.child(String(this.items.length), module);
    this.items.push(module);
    return this;
  }

  at(index: number): M {
    const m = this.items[index < 0 ? index + this.items.length : index];
    if (!m) throw new TesseraError('ModuleList.at', 'index', `${index} is out of range for ${this.items.length} modules`);
    return m;
  }

  get length(): number {
    return this.items.length;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}
