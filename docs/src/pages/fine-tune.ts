/** Live example: fine-tune a tiny encoder with MultipleNegativesRankingLoss, drawing the loss curve. */
import { renderSvg } from '../lib/dom.js';
import { livePage, log } from '../lib/runtime.js';
import { saveWeights } from '../lib/store.js';
import { lineChart } from '../lib/svg.js';
import { tinyEncoder } from '../lib/tiny-model.js';

// #region example
import { argmax, arange, eq, tidy } from '@tessera/tensor';
import type { DeviceName } from '@tessera/tensor';
import '@tessera/autograd';
import { AdamW } from '@tessera/nn';
import type { SentenceTransformer } from '@tessera/nn';
import { MultipleNegativesRankingLoss, cosSim } from '@tessera/losses';

const questions = [
  'how do I bake bread',
  'what is the capital of france',
  'how to learn the piano',
  'how do I fix a flat tire',
  'when do birds migrate',
  'why is the sky blue',
  'how to brew green tea',
  'what do cats eat',
];
const answers = [
  'mix flour water and yeast then bake the dough',
  'paris is the capital city of france',
  'practice scales and simple songs every day',
  'patch the tube and pump the tire up again',
  'many birds fly south in the autumn',
  'air scatters blue sunlight the most',
  'steep the leaves in hot water for two minutes',
  'cats eat meat and fish',
];

/** Fraction of questions whose most similar answer is their own (cosine similarity). */
async function accuracy(model: SentenceTransformer): Promise<number> {
  const q = await model.encode(questions, { normalize: true });
  const a = await model.encode(answers, { normalize: true });
  const best = tidy(() => argmax(cosSim(q, a), 1)); // the most similar answer of each question
  const hits = tidy(() => eq(best, arange(0, questions.length)).float().mean());
  const acc = await hits.item();
  for (const t of [q, a, best, hits]) t.dispose();
  return acc;
}

type OnStep = (step: number, loss: number) => void;

/** Full-batch training: every other answer in the batch is a negative for each question. */
async function train(model: SentenceTransformer, device: DeviceName, steps: number, onStep: OnStep): Promise<void> {
  const loss = new MultipleNegativesRankingLoss(model); // scale 20, cosine similarity
  const optimizer = new AdamW(loss.parameters(), { lr: 1e-2, weightDecay: 0.01 });
  const features = [model.tokenize(questions, device), model.tokenize(answers, device)];
  model.train();
  for (let step = 1; step <= steps; step++) {
    const value = tidy(() => {
      const v = loss.forward(features);
      v.backward();
      return v.detach(); // the graph's intermediates are freed by tidy; the gradients stay on the parameters
    });
    optimizer.step();
    optimizer.zeroGrad();
    onStep(step, await value.item()); // reading the value waits for the GPU
    value.dispose();
  }
  model.eval();
}
// #endregion

const STEPS = 12;

livePage('fine-tune', async (ctx) => {
  const model = await tinyEncoder({ seed: 0, device: ctx.device });
  const before = await accuracy(model);
  ctx.metric('acc_before', before, 3);
  const points: [number, number][] = [];
  const draw = (): void => renderSvg('curve', lineChart([{ name: `MNRL loss (${ctx.device})`, points }], { xLabel: 'step', yLabel: 'loss', xMax: STEPS, title: 'training loss' }));
  draw();
  const t0 = performance.now();
  let firstStepMs = 0;
  await train(model, ctx.device, STEPS, (step, value) => {
    if (step === 1) firstStepMs = performance.now() - t0;
    points.push([step, value]);
    draw();
    ctx.status(`step ${step}/${STEPS}: loss ${value.toFixed(4)}`);
    log(`step ${step}: loss ${value}`);
    ctx.metric(step === 1 ? 'loss_first' : 'loss_last', value, 5);
    ctx.metric('steps', step);
  });
  ctx.metric('ms_per_step', Math.round((performance.now() - t0 - firstStepMs) / Math.max(1, STEPS - 1)));
  const after = await accuracy(model);
  ctx.metric('acc_after', after, 3);
  await saveWeights('fine-tuned', model);
  log(`accuracy@1: ${before} before, ${after} after; weights kept in this browser for the encode example`);
});
