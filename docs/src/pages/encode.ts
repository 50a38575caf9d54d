/** Live example: encode() sentences and draw their cosine-similarity heat map. */
import { renderSvg } from '../lib/dom.js';
import { livePage, log, maxAbsDiff } from '../lib/runtime.js';
import { loadWeights } from '../lib/store.js';
import { heatMap } from '../lib/svg.js';
import { tinyEncoder } from '../lib/tiny-model.js';

// #region example
import type { Tensor } from '@tessera/tensor';
import type { SentenceTransformer } from '@tessera/nn';

const sentences = [
  'how do I bake bread',
  'mix flour water and yeast then bake the dough',
  'what is the capital of france',
  'paris is the capital city of france',
  'what do cats eat',
  'cats eat meat and fish',
];

/** Unit-length embeddings [N, D] and their cosine similarities S = E Eᵀ [N, N]. */
async function similarities(model: SentenceTransformer): Promise<{ embeddings: Tensor; sims: number[][] }> {
  const embeddings = await model.encode(sentences, { normalize: true }); // on the CPU by default
  const s = embeddings.matmul(embeddings.T);
  const sims = (await s.array()) as number[][];
  s.dispose();
  return { embeddings, sims };
}
// #endregion

livePage('encode', async (ctx) => {
  const model = await tinyEncoder({ seed: 0 });
  const trained = await loadWeights('fine-tuned', model);
  ctx.metric('trained', trained ? 1 : 0);
  log(trained ? 'using the encoder trained on the fine-tuning page' : 'no fine-tuned weights in this browser: using a freshly initialised encoder');
  const cpu = await similarities(model);
  let gpuEmb: Float32Array | null = null;
  let sims = cpu.sims;
  if (ctx.device === 'webgpu') {
    await model.to('webgpu');
    const gpu = await similarities(model);
    gpuEmb = Float32Array.from(await gpu.embeddings.data());
    sims = gpu.sims;
    gpu.embeddings.dispose();
  }
  const cpuEmb = Float32Array.from(await cpu.embeddings.data());
  ctx.metric('dim', cpu.embeddings.shape[1]!);
  cpu.embeddings.dispose();
  renderSvg('heatmap', heatMap(sims, sentences, { min: Math.min(0, ...sims.flat()), max: 1 }));
  let diagMin = Infinity;
  let asym = 0;
  sims.forEach((row, i) => row.forEach((v, j) => {
    if (i === j) diagMin = Math.min(diagMin, v);
    asym = Math.max(asym, Math.abs(v - sims[j]![i]!));
  }));
  ctx.metric('diag_min', diagMin, 6);
  ctx.metric('asym_max', asym);
  if (gpuEmb) ctx.metric('cpu_max_diff', maxAbsDiff(gpuEmb, cpuEmb));
});
