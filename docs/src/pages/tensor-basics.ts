/** Live example: tensor basics on WebGPU, compared with the CPU backend. */
import { renderRows } from '../lib/dom.js';
import { livePage, maxAbsDiff } from '../lib/runtime.js';

// #region example
import { arange, manualSeed, randn, tensor, tidy } from '@tessera/tensor';
import type { DeviceName, Tensor } from '@tessera/tensor';

type Results = Record<string, { shape: readonly number[]; values: Float32Array }>;

/** A few ops on `device`; every result is read back with `await t.data()`. */
async function basics(device: DeviceName): Promise<Results> {
  manualSeed(0);
  const x = randn([4, 3]).to(device); // float32 [4, 3], drawn on the CPU and copied to `device`
  const w = tensor([[1, 0], [0, 1], [1, -1]], { device }); // [3, 2]
  const b = tensor([0.5, -0.5], { device });
  const results = tidy(() => {
    const y = x.matmul(w).add(b); // [4, 2]: the bias broadcasts over the rows
    const p = y.softmax(-1); // each row sums to 1
    const labels = tensor([0, 1, 1, 0], { dtype: 'int32', device });
    return {
      'x @ w + b': y,
      'softmax(-1)': p,
      'sum of all probabilities': p.sum(),
      'max over rows (dim 0)': y.max(0).values,
      'argmax(-1)': y.argmax(-1).float(),
      'gather(1, labels)': p.gather(1, labels.unsqueeze(1)).squeeze(1),
      'mean(0, keepdim)': x.mean(0, true),
      'where(x > 0, x, 0)': x.where(x.gt(0), 0),
      'arange(6).reshape(2, 3).T': arange(0, 6, 1, { device }).reshape(2, 3).T.float(),
      'exp(x).log1p().pow(2)': x.exp().log1p().pow(2),
    } satisfies Record<string, Tensor>;
  });
  const out: Results = {};
  for (const [name, t] of Object.entries(results)) {
    out[name] = { shape: t.shape, values: Float32Array.from(await t.data()) };
    t.dispose();
  }
  return out;
}
// #endregion

livePage('tensor-basics', async (ctx) => {
  const gpu = ctx.device === 'webgpu' ? await basics('webgpu') : null;
  const cpu = await basics('cpu');
  let worst = 0;
  const rows: string[][] = [];
  for (const [name, c] of Object.entries(cpu)) {
    const g = gpu?.[name];
    const d = g ? maxAbsDiff(g.values, c.values) : NaN;
    if (g) worst = Math.max(worst, d);
    const shown = g ?? c;
    rows.push([name, `[${shown.shape.join(', ')}]`, Array.from(shown.values, (v) => v.toFixed(4)).join(', '), g ? d.toExponential(1) : 'CPU only']);
  }
  renderRows('output', ['result', 'shape', ctx.device === 'webgpu' ? 'values (WebGPU)' : 'values (CPU)', '|WebGPU − CPU|'], rows);
  if (gpu) ctx.metric('max_diff', worst);
  ctx.metric('checks', rows.length);
  ctx.metric('sum', (gpu ?? cpu)['sum of all probabilities']!.values[0]!, 6);
});
