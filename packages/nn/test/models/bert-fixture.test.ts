/**
 * Tessera's BertModel and BertLMHeadModel reproduce a random BERT written in PyTorch
 * (scripts/bert_fixture.py; weights in test/fixtures/bert-tiny) on CPU (float64 and float32) and WebGPU.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as T from '@tessera/tensor';
import type { DeviceName, DType, Tensor } from '@tessera/tensor';
import { BertLMHeadModel, BertModel, loadSafetensors, Pooling } from '@tessera/nn';
import type { StateDict } from '@tessera/nn';
import { requireWebGPU } from '../support/gpu.js';

const dir = fileURLToPath(new URL('../fixtures/bert-tiny/', import.meta.url));
const config = JSON.parse(readFileSync(`${dir}config.json`, 'utf8')) as Record<string, unknown>;
const expected = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8')) as Record<string, unknown>;
const gpu = await requireWebGPU();

const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
const ints = (key: string, device: DeviceName): Tensor => T.tensor(expected[key] as number[][], { dtype: 'int32', device });

async function maxError(actual: Tensor, key: string | unknown): Promise<number> {
  const want = flat(typeof key === 'string' ? expected[key] : key);
  const got = await actual.data();
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  return worst;
}

async function weights(file: string, dtype: DType, device: DeviceName): Promise<StateDict> {
  const { tensors } = await loadSafetensors(`${dir}${file}`);
  const out: StateDict = {};
  for (const [k, v] of Object.entries(tensors)) out[k] = v.to(dtype).to(device);
  return out;
}

const settings: [string, DType, DeviceName, number][] = [
  ['cpu float64', 'float64', 'cpu', 1e-9],
  ['cpu float32', 'float32', 'cpu', 1e-5],
  ['webgpu float32', 'float32', 'webgpu', 1e-5],
];

describe('BERT fixture from PyTorch', () => {
  for (const [name, dtype, device, tol] of settings) {
    const skip = device === 'webgpu' && !gpu;
    it.skipIf(skip)(`encoder: token embeddings, every layer, pooler and mean pooling (${name}, tol ${tol})`, async () => {
      const model = new BertModel(config, { dtype, device }).eval();
      model.loadStateDict(await weights('model.safetensors', dtype, device));
      const out = model.forward(
        { inputIds: ints('input_ids', device), attentionMask: ints('attention_mask', device), tokenTypeIds: ints('token_type_ids', device) },
        { outputHiddenStates: true },
      );
      expect(await maxError(out.lastHiddenState, 'last_hidden_state')).toBeLessThan(tol);
      const layers = expected.hidden_states as unknown[];
      expect(out.hiddenStates!.length).toBe(layers.length);
      for (let i = 0; i < layers.length; i++) expect(await maxError(out.hiddenStates![i]!, layers[i])).toBeLessThan(tol);
      expect(await maxError(out.poolerOutput!, 'pooler_output')).toBeLessThan(tol);
      const pooled = new Pooling(config.hidden_size as number, 'mean').forward({
        inputIds: ints('input_ids', device),
        attentionMask: ints('attention_mask', device),
        tokenEmbeddings: out.lastHiddenState,
      });
      expect(await maxError(pooled.sentenceEmbedding!, 'mean_pooled')).toBeLessThan(tol);
    });
    it.skipIf(skip)(`decoder: causal self-attention, cross-attention on the sentence embedding, tied LM head (${name})`, async () => {
      const decoder = new BertLMHeadModel(config, { dtype, device }).eval();
      decoder.loadStateDict(await weights('decoder.safetensors', dtype, device));
      const mean = flat(expected.mean_pooled).slice(0, 2 * (config.hidden_size as number));
      const states = T.tensor(mean, { shape: [2, 1, config.hidden_size as number], dtype, device });
      const ids = ints('decoder_input_ids', device);
      const logits = decoder.forward({ inputIds: ids, attentionMask: ids.ne(0).int(), encoderHiddenStates: states });
      expect(await maxError(logits, 'decoder_logits')).toBeLessThan(tol * 10);
      // The LM head's decoder weight is the word-embedding tensor itself.
      expect(decoder.cls.predictions.decoder.weight).toBe(decoder.bert.embeddings.word_embeddings.weight);
    });
  }
});
