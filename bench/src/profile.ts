/**
 * A kernel-level profile of Tessera: wraps every method of a device's backend (the kernels every op
 * ends in) with a timer, so a run says which kernels, and which matmul shapes, take the time. On the
 * CPU a kernel's time is its compute; on WebGPU it is only the time to encode and queue it.
 *
 *   node bench/dist/profile.js [train|layer|encode] [--steps N] [--device cpu|webgpu] [--json FILE]
 *
 * (after `pnpm bench -- --help` or `pnpm --filter @tessera/bench run build`). The training step
 * profile also splits the step into forward, backward and optimizer.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import '@tessera/autograd';
import { getBackend, memory, syncWebGPU, tidy } from '@tessera/tensor';
import type { DeviceName, View } from '@tessera/tensor';
import { ENCODE_SHAPE, MINILM_L6, TesseraTrainStep, syntheticSentences, tesseraBertLayer, tesseraMiniLM } from './model/minilm.js';
import { ensureWebGPU } from './webgpu/setup.js';

export interface KernelRow {
  kernel: string;
  calls: number;
  ms: number;
  /** Share of the time spent inside kernels, %. */
  pct: number;
}

/** `a^T` when a matmul operand's last two dims are transposed (column-major), `a~` for another strided layout. */
function layout(v: View, name: string): string {
  const n = v.shape.length;
  if (n < 2) return name;
  const rowMajor = v.strides[n - 1] === 1 && v.strides[n - 2] === v.shape[n - 1];
  if (rowMajor) return name;
  const colMajor = v.strides[n - 2] === 1 && v.strides[n - 1] === v.shape[n - 2];
  return colMajor ? `${name}^T` : `${name}~`;
}

function keyOf(method: string, args: unknown[]): string {
  switch (method) {
    case 'unary':
    case 'binary':
    case 'reduce':
    case 'argReduce':
      return `${method} ${String(args[0])}`;
    case 'matmul': {
      const [a, b, batch, m, k, n] = args as [View, View, readonly number[], number, number, number];
      const bs = batch.reduce((x, y) => x * y, 1);
      return `matmul ${bs > 1 ? `${bs}x` : ''}[${m}x${k}]@[${k}x${n}] ${layout(a, 'a')} ${layout(b, 'b')}`;
    }
    case 'copy': {
      const [x] = args as [View];
      return `copy (${x.shape.length}-d strided)`;
    }
    default:
      return method;
  }
}

/**
 * Times every backend method of `device` until `stop()`, which restores them and returns rows sorted
 * by time (method and op name; matmuls by shape and operand layout).
 */
export function profileBackend(device: DeviceName): { stop(): KernelRow[] } {
  const backend = getBackend(device) as unknown as Record<string, unknown>;
  const originals = new Map<string, (...a: unknown[]) => unknown>();
  const stats = new Map<string, { calls: number; ms: number }>();
  // Backends are class instances: wrap the methods found on the prototype chain as own properties.
  const names = new Set<string>();
  for (let o: object | null = backend; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const n of Object.getOwnPropertyNames(o)) if (n !== 'constructor' && typeof backend[n] === 'function') names.add(n);
  }
  for (const skip of ['memory', 'resetPeak', 'checkStorage', 'release']) names.delete(skip);
  for (const name of names) {
    const fn = backend[name] as (...a: unknown[]) => unknown;
    originals.set(name, fn);
    const hadOwn = Object.prototype.hasOwnProperty.call(backend, name);
    backend[name] = function timed(this: unknown, ...args: unknown[]) {
      const t0 = performance.now();
      try {
        return fn.apply(this, args);
      } finally {
        const key = keyOf(name, args);
        const s = stats.get(key) ?? { calls: 0, ms: 0 };
        s.calls += 1;
        s.ms += performance.now() - t0;
        stats.set(key, s);
      }
    };
    if (!hadOwn) originals.set(`${name}\u0000proto`, fn);
  }
  return {
    stop(): KernelRow[] {
      for (const name of names) {
        if (originals.has(`${name}\u0000proto`)) delete backend[name];
        else backend[name] = originals.get(name);
      }
      const total = [...stats.values()].reduce((a, s) => a + s.ms, 0);
      return [...stats.entries()]
        .map(([kernel, s]) => ({ kernel, calls: s.calls, ms: s.ms, pct: (100 * s.ms) / total }))
        .sort((a, b) => b.ms - a.ms);
    },
  };
}

/** The rows as a table, the top `limit` and a line for the rest. */
export function formatProfile(rows: readonly KernelRow[], limit = 25): string {
  const total = rows.reduce((a, r) => a + r.ms, 0);
  const top = rows.slice(0, limit);
  const rest = rows.slice(limit);
  const lines = top.map((r) => `${r.ms.toFixed(0).padStart(9)} ms ${r.pct.toFixed(1).padStart(5)}% ${String(r.calls).padStart(6)}x  ${r.kernel}`);
  if (rest.length) lines.push(`${rest.reduce((a, r) => a + r.ms, 0).toFixed(0).padStart(9)} ms ${rest.reduce((a, r) => a + r.pct, 0).toFixed(1).padStart(5)}% ${String(rest.reduce((a, r) => a + r.calls, 0)).padStart(6)}x  (${rest.length} other kernels)`);
  lines.push(`${total.toFixed(0).padStart(9)} ms in kernels`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const what = args.find((a) => !a.startsWith('-') && !['--steps', '--device', '--json'].includes(args[args.indexOf(a) - 1] ?? '')) ?? 'train';
  const steps = Number(opt('--steps') ?? 1);
  const device = (opt('--device') ?? 'cpu') as DeviceName;
  if (device === 'webgpu') {
    const s = await ensureWebGPU();
    if (!s.ok) throw new Error(`no WebGPU: ${s.reason}`);
  }
  const sync = async () => {
    if (device === 'webgpu') await syncWebGPU();
  };
  const phases: Record<string, number> = {};
  const time = async (phase: string, fn: () => void) => {
    const t0 = performance.now();
    fn();
    await sync();
    phases[phase] = (phases[phase] ?? 0) + performance.now() - t0;
  };
  let rows: KernelRow[];
  const wall0 = performance.now();
  if (what === 'train') {
    const s = new TesseraTrainStep(device);
    s.step(); // warmup: optimizer state, pipelines
    await sync();
    const p = profileBackend(device);
    for (let i = 0; i < steps; i++) {
      // One tidy around forward and backward (as the Trainer); on WebGPU the split is queueing time only.
      const t0 = performance.now();
      let t1 = t0;
      tidy(() => {
        const loss = s.loss.forward(s.features);
        t1 = performance.now();
        loss.backward();
      });
      const t2 = performance.now();
      s.optimizer.step();
      s.optimizer.zeroGrad();
      await sync();
      const t3 = performance.now();
      phases['forward (2 columns + MNRL)'] = (phases['forward (2 columns + MNRL)'] ?? 0) + t1 - t0;
      phases.backward = (phases.backward ?? 0) + t2 - t1;
      phases['AdamW step + zeroGrad (+ GPU wait)'] = (phases['AdamW step + zeroGrad (+ GPU wait)'] ?? 0) + t3 - t2;
    }
    rows = p.stop();
    s.dispose();
  } else if (what === 'layer') {
    const l = tesseraBertLayer(device);
    tidy(() => l.run());
    const p = profileBackend(device);
    for (let i = 0; i < steps; i++) await time('layer fwd+bwd', () => tidy(() => l.run()));
    rows = p.stop();
    for (const t of l.inputs) t.dispose();
  } else if (what === 'encode') {
    const model = tesseraMiniLM(device, { maxSeqLength: ENCODE_SHAPE.seq });
    const texts = syntheticSentences(ENCODE_SHAPE.sentences);
    (await model.encode(texts, { batchSize: ENCODE_SHAPE.batch, showProgressBar: false })).dispose();
    const p = profileBackend(device);
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      (await model.encode(texts, { batchSize: ENCODE_SHAPE.batch, showProgressBar: false })).dispose();
      phases.encode = (phases.encode ?? 0) + performance.now() - t0;
    }
    rows = p.stop();
    for (const t of model.parameters()) t.dispose();
  } else {
    throw new Error(`unknown profile '${what}' (train, layer or encode)`);
  }
  const wall = performance.now() - wall0;
  console.log(`Tessera ${device} kernel profile: ${what}, MiniLM-L${MINILM_L6.layers} sizes, ${steps} timed run(s) after 1 warmup`);
  for (const [k, v] of Object.entries(phases)) console.log(`  ${k}: ${(v / steps).toFixed(0)} ms per run`);
  console.log(formatProfile(rows));
  const m = memory(device);
  console.log(`(wall ${(wall / 1000).toFixed(1)} s incl. warmup; ${device} live ${m.liveTensors} tensors / ${(m.liveBytes / 2 ** 20).toFixed(0)} MiB at exit)`);
  const json = opt('--json');
  if (json) writeFileSync(json, `${JSON.stringify({ what, device, steps, phases, rows }, null, 2)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
