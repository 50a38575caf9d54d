/**
 * A worker_threads Worker that owns a Tessera CPU training step (its own copy of @tessera/tensor, so
 * its tensors and memory counters are separate from the main thread's). Messages:
 *   in:  { type: 'step' } -> out: { type: 'stepped', ms, liveBytes, peakBytes }
 *   in:  { type: 'close' } (disposes the step; the worker exits)
 * It posts { type: 'ready', ms } once the model is built, or { type: 'error', message }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import '@tessera/autograd';
import { memory, resetPeakMemory } from '@tessera/tensor';
import { TesseraTrainStep } from '../model/minilm.js';
import type { MiniLMSpec } from '../model/minilm.js';

export interface StepWorkerData {
  spec?: MiniLMSpec;
  pairs?: number;
  seq?: number;
  seed?: number;
}

export type StepWorkerRequest = { type: 'step' } | { type: 'close' };
export type StepWorkerReply =
  | { type: 'ready'; ms: number }
  | { type: 'stepped'; ms: number; liveBytes: number; peakBytes: number }
  | { type: 'error'; message: string };

const port = parentPort!;
const post = (m: StepWorkerReply) => port.postMessage(m);

try {
  const t0 = performance.now();
  const step = new TesseraTrainStep('cpu', workerData as StepWorkerData);
  port.on('message', (m: StepWorkerRequest) => {
    if (m.type === 'close') {
      step.dispose();
      port.close();
      return;
    }
    try {
      resetPeakMemory('cpu');
      const s = performance.now();
      step.step();
      const ms = performance.now() - s;
      const mem = memory('cpu');
      post({ type: 'stepped', ms, liveBytes: mem.liveBytes, peakBytes: mem.peakBytes });
    } catch (e) {
      post({ type: 'error', message: String((e as Error).stack ?? e) });
    }
  });
  post({ type: 'ready', ms: performance.now() - t0 });
} catch (e) {
  post({ type: 'error', message: String((e as Error).stack ?? e) });
}
