import type { Tensor } from '@tessera/tensor';
import { isFloat, keep, Tensor as TensorClass, TesseraError, tidy, zerosLike } from '@tessera/tensor';
import { noGrad } from '@tessera/autograd';
import { Module } from '../module.js';

/** A hyperparameter value: what `stateDict()` can write as JSON. */
export type HyperValue = number | boolean | readonly number[];

/** Hyperparameters every optimizer has. */
export interface OptimizerOptions {
  lr: number;
}

/** A parameter group as given to a constructor: its parameters and any options that differ from the defaults. */
export type ParamGroupInput<O extends OptimizerOptions> = { params: Iterable<Tensor> } & Partial<O>;

/**
 * A parameter group: its parameters and every hyperparameter (the defaults filled in), as torch's
 * `optimizer.param_groups`. Schedulers change `lr` here; `initialLr` is set by the first scheduler.
 */
export type ParamGroup<O extends OptimizerOptions> = O & { params: Tensor[]; initialLr?: number };

/** What an optimizer accepts: parameters, a Module (its parameters), or parameter groups. */
export type ParamsInput<O extends OptimizerOptions> = Module | Iterable<Tensor> | readonly ParamGroupInput<O>[];

/** Per-parameter state: tensors (moments, momentum buffers) and numbers (`step`), under torch's names. */
export type ParamState = Record<string, Tensor | number>;

/**
 * An optimizer's state as torch's `optimizer.state_dict()`: `state` maps the index of a parameter
 * (counted across groups in order) to its state; `paramGroups` lists each group's hyperparameters
 * (JSON-serialisable) and the indices of its parameters. State keys are torch's (`exp_avg`,
 * `exp_avg_sq`, `max_exp_avg_sq`, `momentum_buffer`, `step`); `step` is a number.
 */
export interface OptimizerStateDict {
  state: Record<number, ParamState>;
  paramGroups: ({ params: number[] } & Record<string, HyperValue | undefined>)[];
}

/**
 * Base class of optimizers, as torch.optim.Optimizer. Subclasses implement `update`, which runs per
 * parameter that has a gradient, inside `noGrad` and its own `tidy` scope, with tensor ops only (so
 * it runs on any device without reading values back) and writes results with `assign`.
 */
export abstract class Optimizer<O extends OptimizerOptions = OptimizerOptions> {
  /** The optimizer's name in error messages ('AdamW'). */
  readonly name: string;
  readonly defaults: Readonly<O>;
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created on a parameter's first update. */
  readonly state = new Map<Tensor, ParamState>();

  /**
   * `defaults` are the optimizer's own defaults; `options` what the caller gave (undefined values
   * keep the default; unknown names are an error, as unexpected keyword arguments in torch).
   */
  protected constructor(name: string, params: ParamsInput<O>, defaults: O, options: Partial<O> = {}) {
    this.name = name;
    if (options === null || typeof options !== 'object') throw new TesseraError(name, 'options', `must be an object, got ${String(options)}`);
    this.checkKnown(options, 'options', Object.keys(defaults));
    const filled = { ...defaults } as Record<string, unknown>;
    for (const [k, v] of Object.entries(options)) if (v !== undefined) filled[k] = Array.isArray(v) ? [...(v as unknown[])] : v;
    this.validate(filled as unknown as O, 'options');
    this.defaults = Object.freeze(filled as unknown as O);
    const groups = toGroups<O>(name, params);
    for (const g of groups) this.addParamGroup(g);
  }

  private checkKnown(options: object, where: string, known: readonly string[]): void {
    for (const k of Object.keys(options)) {
      if (!known.includes(k)) {
        const at = where === 'options' ? '' : `(in ${where}) `;
        throw new TesseraError(this.name, k, `${at}is not an option of ${this.name} (known: ${known.filter((x) => x !== 'initialLr').join(', ')})`);
      }
    }
  }

  /**
   * Throws a TesseraError naming the optimizer and the option when a hyperparameter is invalid;
   * `where` says whose ('options' or 'paramGroups[1]').
   */
  protected abstract validate(options: O, where: string): void;

  /** Updates one parameter from its gradient (called under `noGrad` and inside `tidy`). */
  protected abstract update(param: Tensor, grad: Tensor, group: ParamGroup<O>): void;

  /** Adds a parameter group; options it leaves out take the defaults (torch's add_param_group). */
  addParamGroup(group: ParamGroupInput<O>): void {
    const where = `paramGroups[${this.paramGroups.length}]`;
    if (group === null || typeof group !== 'object' || !('params' in group)) {
      throw new TesseraError(this.name, where, 'must be an object with `params`');
    }
    const params = group.params instanceof TensorClass ? [group.params] : [...(group.params as Iterable<Tensor>)];
    const taken = new Set(this.paramGroups.flatMap((g) => g.params));
    const seen = new Set<Tensor>();
    params.forEach((p, i) => {
      if (!(p instanceof TensorClass)) throw new TesseraError(this.name, `${where}.params[${i}]`, 'is not a Tensor; optimizers can only optimize Tensors');
      p.assertAlive(this.name, `${where}.params[${i}]`);
      if (!isFloat(p.dtype)) throw new TesseraError(this.name, `${where}.params[${i}]`, `has dtype ${p.dtype}; only float tensors can be optimized`);
      if (!p.isLeaf) throw new TesseraError(this.name, `${where}.params[${i}]`, "is not a leaf; can't optimize a non-leaf Tensor");
      if (taken.has(p)) throw new TesseraError(this.name, `${where}.params[${i}]`, 'also appears in another parameter group');
      if (seen.has(p)) throw new TesseraError(this.name, `${where}.params[${i}]`, 'appears twice in the group');
      seen.add(p);
    });
    this.checkKnown(group, where, [...Object.keys(this.defaults), 'params', 'initialLr']);
    const filled: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.defaults)) filled[k] = Array.isArray(v) ? [...(v as unknown[])] : v;
    for (const [k, v] of Object.entries(group)) if (k !== 'params' && v !== undefined) filled[k] = Array.isArray(v) ? [...(v as unknown[])] : v;
    this.validate(filled as unknown as O, where);
    filled.params = params;
    this.paramGroups.push(filled as unknown as ParamGroup<O>);
  }

  /** Every parameter, group by group (the order `stateDict` numbers them in). */
  params(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /** One update of every parameter that has a gradient; parameters without one are skipped. */
  step(): void {
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          const grad = p.grad;
          if (!grad) continue;
          // a parameter disposed since (e.g. replaced by Module.to(device)): make the optimizer after moving the model
          p.assertAlive(`${this.name}.step`, 'param');
          grad.assertAlive(`${this.name}.step`, 'param.grad');
          tidy(() => this.update(p, grad, group));
        }
      }
    });
  }

  /**
   * Drops every parameter's gradient (disposing it), as torch's `zero_grad(set_to_none=True)`;
   * with `setToNone` false, gradients are set to zeros in place instead.
   */
  zeroGrad(setToNone = true): void {
    for (const p of this.params()) {
      if (!p.grad) continue;
      if (setToNone || p.grad.disposed) {
        p.grad.dispose();
        p.grad = null;
      } else {
        noGrad(() => tidy(() => setGrad(p, zerosLike(p.grad!))));
      }
    }
  }

  /** The state of `param`, created empty on first use. */
  protected stateFor(param: Tensor): ParamState {
    let s = this.state.get(param);
    if (!s) {
      s = {};
      this.state.set(param, s);
    }
    return s;
  }

  /**
   * Hyperparameters and per-parameter state (torch's `state_dict()`). The tensors are copies that
   * the caller owns (dispose them when done); hyperparameters are plain JSON values.
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    this.params().forEach((p, i) => index.set(p, i));
    const state: Record<number, ParamState> = {};
    noGrad(() => {
      for (const [p, s] of this.state) {
        const i = index.get(p);
        if (i === undefined) continue;
        const entry: ParamState = {};
        for (const [k, v] of Object.entries(s)) entry[k] = typeof v === 'number' ? v : v.clone();
        state[i] = entry;
      }
    });
    let next = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const out: { params: number[] } & Record<string, HyperValue | undefined> = { params: [] };
      for (const [k, v] of Object.entries(g)) {
        if (k === 'params') continue;
        out[k] = Array.isArray(v) ? [...(v as number[])] : (v as HyperValue);
      }
      out.params = g.params.map(() => next++);
      return out;
    });
    return { state, paramGroups };
  }

  /**
   * Restores hyperparameters and state saved by `stateDict()` (torch's `load_state_dict`): groups
   * must match in number and size; saved hyperparameters replace the current ones; state tensors are
   * copied (cast to each parameter's dtype and moved to its device), so the caller keeps ownership
   * of `dict`. State of parameters absent from `dict` is dropped.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    const op = `${this.name}.loadStateDict`;
    if (!dict || typeof dict !== 'object' || !Array.isArray(dict.paramGroups) || typeof dict.state !== 'object' || dict.state === null) {
      throw new TesseraError(op, 'dict', 'must be { state, paramGroups } as stateDict() returns');
    }
    if (dict.paramGroups.length !== this.paramGroups.length) {
      throw new TesseraError(op, 'dict', `has ${dict.paramGroups.length} parameter groups; the optimizer has ${this.paramGroups.length}`);
    }
    dict.paramGroups.forEach((g, i) => {
      const own = this.paramGroups[i]!;
      if (!Array.isArray(g.params) || g.params.length !== own.params.length) {
        throw new TesseraError(op, `dict.paramGroups[${i}]`, `has ${Array.isArray(g.params) ? g.params.length : 'no'} parameters; the optimizer's group has ${own.params.length}`);
      }
      this.checkKnown(g, `dict.paramGroups[${i}]`, [...Object.keys(this.defaults), 'params', 'initialLr']);
      const merged = { ...own } as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(g)) if (k !== 'params' && v !== undefined) merged[k] = Array.isArray(v) ? [...v] : v;
      this.validate(merged as unknown as O, `dict.paramGroups[${i}]`);
    });
    // Saved index -> parameter, through the saved groups' `params` lists.
    const byIndex = new Map<number, Tensor>();
    dict.paramGroups.forEach((g, i) => g.params.forEach((idx, j) => byIndex.set(idx, this.paramGroups[i]!.params[j]!)));
    const next = new Map<Tensor, ParamState>();
    const disposeNext = (): void => {
      for (const s of next.values()) for (const v of Object.values(s)) if (typeof v !== 'number') v.dispose();
    };
    try {
      noGrad(() => this.copyState(op, dict, byIndex, next));
    } catch (e) {
      disposeNext();
      throw e;
    }
    this.disposeState();
    for (const [p, s] of next) this.state.set(p, s);
    dict.paramGroups.forEach((g, i) => {
      const own = this.paramGroups[i]! as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(g)) if (k !== 'params' && v !== undefined) own[k] = Array.isArray(v) ? [...v] : v;
    });
  }

  /** Copies `dict.state` into `next` (entries registered first, so a failure can dispose what was copied). */
  private copyState(op: string, dict: OptimizerStateDict, byIndex: Map<number, Tensor>, next: Map<Tensor, ParamState>): void {
    for (const [key, saved] of Object.entries(dict.state)) {
      const p = byIndex.get(Number(key));
      if (!p) throw new TesseraError(op, `dict.state[${key}]`, 'names no parameter of the saved groups');
      const entry: ParamState = {};
      next.set(p, entry);
      for (const [k, v] of Object.entries(saved)) {
        if (typeof v === 'number') entry[k] = v;
        else if (v instanceof TensorClass) {
          if (k === 'step') entry[k] = v.itemSync();
          else entry[k] = keep(stateCopy(op, `dict.state[${key}].${k}`, v, p));
        } else throw new TesseraError(op, `dict.state[${key}].${k}`, 'must be a Tensor or a number');
      }
    }
  }

  /** Disposes every state tensor and forgets all state (the optimizer can still step: state restarts). */
  dispose(): void {
    this.disposeState();
  }

  private disposeState(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (typeof v !== 'number') v.dispose();
    this.state.clear();
  }
}

/** A copy of a saved state tensor, in the dtype and on the device of `param`. */
function stateCopy(op: string, arg: string, v: Tensor, param: Tensor): Tensor {
  v.assertAlive(op, arg);
  if (v.shape.length !== param.shape.length || v.shape.some((s, i) => s !== param.shape[i])) {
    throw new TesseraError(op, arg, `has shape [${v.shape.join(', ')}]; its parameter has shape [${param.shape.join(', ')}]`);
  }
  return tidy(() => {
    let t = v;
    const cast = isFloat(t.dtype) && t.dtype !== param.dtype;
    if (t.device !== param.device) {
      if (t.device !== 'cpu') {
        throw new TesseraError(op, arg, `is on ${t.device} but its parameter is on ${param.device}; move it with await toDevice(t, '${param.device}') first`);
      }
      if (cast) t = t.to(param.dtype); // before the move: WebGPU has no float64
      t = t.to(param.device);
    } else if (cast) t = t.to(param.dtype);
    return t === v ? v.clone() : t.contiguous();
  });
}

/**
 * Replaces `param.grad`'s values by `value`, in place (`assign`) so references to the gradient stay
 * valid; a gradient that cannot be assigned (a view) is replaced by a kept copy.
 */
export function setGrad(param: Tensor, value: Tensor): void {
  const g = param.grad;
  if (!g) return;
  const v = value.dtype === g.dtype ? value : value.to(g.dtype);
  if (!g.disposed && g.isContiguous() && g.offset === 0 && g.storage.size === g.numel) {
    g.assign(v);
    return;
  }
  param.grad = keep(v.clone());
  if (!g.disposed) g.dispose();
}

function toGroups<O extends OptimizerOptions>(name: string, params: ParamsInput<O>): ParamGroupInput<O>[] {
  if (params instanceof Module) params = params.parameters();
  if (params instanceof TensorClass) params = [params];
  if (params === null || typeof params !== 'object' || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TesseraError(name, 'params', 'must be an iterable of Tensors, a Module, or an array of parameter groups');
  }
  const items = [...(params as Iterable<unknown>)];
  if (items.length === 0) throw new TesseraError(name, 'params', 'is empty; the optimizer got an empty parameter list');
  if (items.every((x) => x instanceof TensorClass)) return [{ params: items as Tensor[] } as unknown as ParamGroupInput<O>];
  items.forEach((g, i) => {
    if (g instanceof TensorClass || g === null || typeof g !== 'object' || !('params' in g)) {
      throw new TesseraError(name, `params[${i}]`, 'must be a Tensor or a parameter group { params, ...options } (not a mix of both)');
    }
  });
  return items as ParamGroupInput<O>[];
}

// ---- option checks shared by the optimizers ----

export function checkNonNegative(optimizer: string, where: string, option: string, value: unknown, what: string): void {
  if (typeof value !== 'number' || !(value >= 0)) {
    throw new TesseraError(optimizer, option, `${where === 'options' ? '' : `(in ${where}) `}must be a number >= 0 (${what}), got ${String(value)}`);
  }
}

export function checkBoolean(optimizer: string, where: string, option: string, value: unknown): void {
  if (typeof value !== 'boolean') {
    throw new TesseraError(optimizer, option, `${where === 'options' ? '' : `(in ${where}) `}must be a boolean, got ${String(value)}`);
  }
}
