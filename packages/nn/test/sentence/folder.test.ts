/** SentenceTransformer: forward, encode, and the sentence-transformers folder layout (save, load, fromPretrained). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as T from '@tessera/tensor';
import { disagreement, requireWebGPU } from '../support/gpu.js';
import { BertModel, Dense, Normalize, Pooling, SentenceTransformer, Tokenizer, Transformer, bertBaseUncasedVocab, bertTokenizerJson } from '@tessera/nn';

const gpu = await requireWebGPU();
const texts = ['A man is playing a guitar.', 'A woman is slicing an onion.', 'hello world', 'The quick brown fox jumps over the lazy dog near the river bank.'];
const tiny = { hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 24, max_position_embeddings: 64 };

function makeModel(withHead: boolean): SentenceTransformer {
  T.manualSeed(11);
  const tokenizer = Tokenizer.fromJSON(bertTokenizerJson(bertBaseUncasedVocab(), { lowercase: true }));
  const transformer = new Transformer(new BertModel(tiny), tokenizer, { maxSeqLength: 32 });
  const modules = [transformer, new Pooling(16, 'mean')] as ConstructorParameters<typeof SentenceTransformer>[0][number][];
  if (withHead) modules.push(new Dense(16, 8), new Normalize());
  return new SentenceTransformer(modules);
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-st-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SentenceTransformer', () => {
  it('forward gives tokenEmbeddings [B, T, H] and sentenceEmbedding [B, D]', () => {
    const model = makeModel(true).eval();
    const f = model.forward(model.tokenize(texts.slice(0, 2)));
    expect(f.tokenEmbeddings!.shape).toEqual([2, 9, 16]);
    expect(f.sentenceEmbedding!.shape).toEqual([2, 8]);
    expect(model.getEmbeddingDimension()).toBe(8);
  });

  it('encode returns rows in input order, independent of batch size and padding', async () => {
    const model = makeModel(false);
    const all = await model.encode(texts, { batchSize: 4 });
    const one = await model.encode(texts, { batchSize: 1, showProgressBar: false });
    expect(all.shape).toEqual([4, 16]);
    const a = all.dataSync();
    const b = one.dataSync();
    for (let i = 0; i < a.length; i++) expect(a[i]!).toBeCloseTo(b[i]!, 5);
    const single = await model.encode([texts[2]!]);
    Array.from(single.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(a[2 * 16 + i]!, 5));
    const normed = await model.encode(texts, { normalize: true });
    for (const n of T.norm(normed, 2, 1).dataSync()) expect(n).toBeCloseTo(1, 5);
    expect((await model.encode([])).shape).toEqual([0, 16]);
  });

  it('saves the sentence-transformers layout and loads it back with identical embeddings', async () => {
    const model = makeModel(true);
    const folder = join(dir, 'st');
    await model.save(folder);
    const files = (await readdir(folder, { recursive: true })).map(String).sort();
    for (const f of ['modules.json', 'config.json', 'model.safetensors', 'tokenizer.json', 'vocab.txt', 'tokenizer_config.json', 'sentence_bert_config.json', 'config_sentence_transformers.json', '1_Pooling/config.json', '2_Dense/config.json', '2_Dense/model.safetensors']) {
      expect(files).toContain(f);
    }
    expect((await stat(join(folder, '3_Normalize'))).isDirectory()).toBe(true);
    const modules = JSON.parse(await readFile(join(folder, 'modules.json'), 'utf8'));
    expect(modules.map((m: { type: string }) => m.type)).toEqual([
      'sentence_transformers.models.Transformer',
      'sentence_transformers.models.Pooling',
      'sentence_transformers.models.Dense',
      'sentence_transformers.models.Normalize',
    ]);
    const config = JSON.parse(await readFile(join(folder, 'config.json'), 'utf8'));
    expect(config.model_type).toBe('bert');
    expect(config.architectures).toEqual(['BertModel']);
    const loaded = await SentenceTransformer.load(folder);
    const before = (await model.encode(texts)).dataSync();
    const after = (await loaded.encode(texts)).dataSync();
    expect(Array.from(after)).toEqual(Array.from(before));
    expect(loaded.maxSeqLength).toBe(32);
  });

  it('loads a plain Hugging Face BERT folder (no modules.json) with mean pooling', async () => {
    const model = makeModel(false);
    const folder = join(dir, 'plain');
    await model.save(folder);
    await rm(join(folder, 'modules.json'));
    await rm(join(folder, '1_Pooling'), { recursive: true });
    const loaded = await SentenceTransformer.load(folder);
    expect(loaded.steps.length).toBe(2);
    expect(Array.from((await loaded.encode(texts)).dataSync())).toEqual(Array.from((await model.encode(texts)).dataSync()));
  });

  it('fromPretrained downloads a repo from HF_ENDPOINT into the cache, then loads it', async () => {
    const model = makeModel(true);
    const folder = join(dir, 'served');
    await model.save(folder);
    const files = (await readdir(folder, { recursive: true, withFileTypes: true })).filter((d) => d.isFile()).map((d) => relative(folder, join(d.parentPath, d.name)));
    const server: Server = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname === '/api/models/org/tiny/revision/main') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ sha: 'abc123', siblings: files.map((rfilename) => ({ rfilename })) }));
        return;
      }
      const m = /^\/org\/tiny\/resolve\/[^/]+\/(.+)$/.exec(url.pathname);
      if (m) {
        const body = await readFile(join(folder, decodeURIComponent(m[1]!)));
        res.setHeader('content-length', body.length);
        res.end(body);
        return;
      }
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const loaded = await SentenceTransformer.fromPretrained('org/tiny', { endpoint: `http://127.0.0.1:${port}`, cacheDir: join(dir, 'cache') });
      expect(Array.from((await loaded.encode(texts)).dataSync())).toEqual(Array.from((await model.encode(texts)).dataSync()));
    } finally {
      server.close();
    }
  });

  it.skipIf(!gpu)('loads, encodes and saves on WebGPU, equal to the CPU', async () => {
    const model = makeModel(true);
    const folder = join(dir, 'gpu');
    await model.save(folder);
    const onGpu = await SentenceTransformer.load(folder, { device: 'webgpu' });
    expect(onGpu.device).toBe('webgpu');
    const cpu = (await model.encode(texts)).dataSync();
    const g = (await onGpu.encode(texts)).dataSync();
    expect(disagreement(g, cpu)).toBeNull();
    const again = join(dir, 'gpu-saved');
    await onGpu.save(again);
    const back = await SentenceTransformer.load(again);
    expect(disagreement((await back.encode(texts)).dataSync(), cpu)).toBeNull();
  });

  it('reads the sentence-transformers v6 layout (module type paths, pooling_mode, embedding_dimension)', async () => {
    const model = makeModel(false);
    const folder = join(dir, 'v6');
    await model.save(folder);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(folder, '1_Pooling', 'config.json'), JSON.stringify({ embedding_dimension: 16, pooling_mode: 'mean', include_prompt: true }));
    await writeFile(
      join(folder, 'modules.json'),
      JSON.stringify([
        { idx: 0, name: '0', path: '', type: 'sentence_transformers.base.modules.transformer.Transformer' },
        { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.sentence_transformer.modules.pooling.Pooling' },
      ]),
    );
    await writeFile(join(folder, 'sentence_bert_config.json'), JSON.stringify({ transformer_task: 'feature-extraction', module_output_name: 'token_embeddings' }));
    const loaded = await SentenceTransformer.load(folder);
    expect(Array.from((await loaded.encode(texts)).dataSync())).toEqual(Array.from((await model.encode(texts)).dataSync()));
  });

  it('refuses folders it cannot load, naming what is wrong', async () => {
    await expect(SentenceTransformer.load(join(dir, 'missing'))).rejects.toThrow(/SentenceTransformer.load: argument 'folder' .* does not exist/);
  });
});
