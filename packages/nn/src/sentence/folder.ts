/**
 * sentence-transformers' model folder: modules.json, config_sentence_transformers.json, the
 * transformer at the root (config.json, model.safetensors, tokenizer files, sentence_bert_config.json),
 * 1_Pooling/config.json, N_Dense/{config.json, model.safetensors}, N_Normalize/.
 */
import type { DeviceName, Tensor } from '@tessera/tensor';
import { TesseraError } from '@tessera/tensor';
import { loadSafetensors, loadSafetensorsIndex, saveSafetensors, SAFETENSORS_INDEX_FILE } from '../io/safetensors.js';
import type { StateDict } from '../module.js';
import type { BertConfig } from '../models/bert/config.js';
import { BertModel } from '../models/bert/model.js';
import { Tokenizer } from '../tokenizer/tokenizer.js';
import { Dense } from './dense.js';
import type { DenseConfig } from './dense.js';
import type { Module } from '../module.js';
import type { FeatureModule } from './features.js';
import { Normalize } from './normalize.js';
import { Pooling } from './pooling.js';
import type { PoolingConfig, PoolingMode } from './pooling.js';
import { SentenceTransformer } from './sentence-transformer.js';
import { Transformer } from './transformer.js';

/** The version we write into config_sentence_transformers.json, as the library that wrote it. */
export const TESSERA_VERSION = '0.1.0';

interface ModuleEntry {
  idx: number;
  name: string;
  path: string;
  type: string;
}

const TYPES = {
  transformer: 'sentence_transformers.models.Transformer',
  pooling: 'sentence_transformers.models.Pooling',
  dense: 'sentence_transformers.models.Dense',
  normalize: 'sentence_transformers.models.Normalize',
} as const;

async function fs(): Promise<typeof import('node:fs/promises')> {
  return import('node:fs/promises');
}
async function path(): Promise<typeof import('node:path')> {
  return import('node:path');
}

async function writeJson(file: string, value: unknown): Promise<void> {
  const { writeFile, rename } = await fs();
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(tmp, file);
}

async function readJson<T>(file: string, what: string): Promise<T> {
  const { readFile } = await fs();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new TesseraError('SentenceTransformer.load', 'folder', `has no ${what} (${file})`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new TesseraError('SentenceTransformer.load', 'folder', `has an invalid ${what} (${file}): ${(e as Error).message}`);
  }
}

async function exists(file: string): Promise<boolean> {
  const { stat } = await fs();
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Writes `model` as a sentence-transformers folder that Python's SentenceTransformer(folder) loads. */
export async function saveSentenceTransformer(model: SentenceTransformer, folder: string): Promise<void> {
  const { mkdir } = await fs();
  const { join } = await path();
  await mkdir(folder, { recursive: true });
  const entries: ModuleEntry[] = [];
  for (const [i, m] of model.steps.entries()) {
    if (m instanceof Transformer) {
      entries.push({ idx: i, name: String(i), path: '', type: TYPES.transformer });
      const config = { ...m.auto_model.config, architectures: ['BertModel'], torch_dtype: 'float32' };
      await writeJson(join(folder, 'config.json'), config);
      await saveSafetensors(join(folder, 'model.safetensors'), m.auto_model.stateDict(), { format: 'pt' });
      await m.tokenizer.save(folder);
      await writeJson(join(folder, 'sentence_bert_config.json'), m.config);
    } else if (m instanceof Pooling) {
      const dir = `${i}_Pooling`;
      entries.push({ idx: i, name: String(i), path: dir, type: TYPES.pooling });
      await mkdir(join(folder, dir), { recursive: true });
      await writeJson(join(folder, dir, 'config.json'), m.config);
    } else if (m instanceof Dense) {
      const dir = `${i}_Dense`;
      entries.push({ idx: i, name: String(i), path: dir, type: TYPES.dense });
      await mkdir(join(folder, dir), { recursive: true });
      await writeJson(join(folder, dir, 'config.json'), m.config);
      await saveSafetensors(join(folder, dir, 'model.safetensors'), m.stateDict(), { format: 'pt' });
    } else if (m instanceof Normalize) {
      const dir = `${i}_Normalize`;
      entries.push({ idx: i, name: String(i), path: dir, type: TYPES.normalize });
      await mkdir(join(folder, dir), { recursive: true });
    } else {
      throw new TesseraError('SentenceTransformer.save', 'model', `module ${i} (${m.constructor.name}) has no sentence-transformers folder format`);
    }
  }
  await writeJson(join(folder, 'modules.json'), entries);
  await writeJson(join(folder, 'config_sentence_transformers.json'), {
    __version__: { sentence_transformers: '5.1.0', transformers: '4.56.0', pytorch: '2.8.0', tessera: TESSERA_VERSION },
    model_type: 'SentenceTransformer',
    prompts: model.prompts,
    default_prompt_name: null,
    similarity_fn_name: model.similarityFnName,
  });
}

/** sentence-transformers v6 writes `embedding_dimension` and `pooling_mode` (a name or a list) instead of v5's flags. */
interface PoolingConfigV6 {
  embedding_dimension?: number;
  pooling_mode?: string | string[];
}

function poolingFromConfig(c: Partial<PoolingConfig> & PoolingConfigV6): Pooling {
  const dim = c.word_embedding_dimension ?? c.embedding_dimension;
  if (typeof dim !== 'number') throw new TesseraError('SentenceTransformer.load', 'folder', 'has a Pooling config without word_embedding_dimension / embedding_dimension');
  if (c.pooling_mode !== undefined) {
    const modes = (Array.isArray(c.pooling_mode) ? c.pooling_mode : [c.pooling_mode]).map((m) => (m === 'mean_tokens' ? 'mean' : m === 'max_tokens' ? 'max' : m === 'cls_token' ? 'cls' : m));
    const p = new Pooling(dim, modes as PoolingMode[]);
    p.config.include_prompt = c.include_prompt ?? true;
    return p;
  }
  return new Pooling(dim, c);
}

/** Maps a Hugging Face checkpoint's keys onto BertModel's: drops a `bert.` prefix and heads/buffers it does not have. */
function bertWeights(dict: StateDict, model: BertModel): StateDict {
  const own = new Set(Object.keys(model.stateDict()));
  const out: StateDict = {};
  for (const [k, v] of Object.entries(dict)) {
    const key = k.startsWith('bert.') ? k.slice(5) : k;
    if (own.has(key)) out[key] = v;
    else v.dispose();
  }
  return out;
}

async function loadWeights(dir: string): Promise<StateDict> {
  const { join } = await path();
  if (await exists(join(dir, 'model.safetensors'))) return (await loadSafetensors(join(dir, 'model.safetensors'))).tensors;
  if (await exists(join(dir, SAFETENSORS_INDEX_FILE))) return (await loadSafetensorsIndex(dir)).tensors;
  if (await exists(join(dir, 'pytorch_model.bin'))) {
    throw new TesseraError('SentenceTransformer.load', 'folder', `${dir} holds only pytorch_model.bin (a pickle); convert it to model.safetensors first`);
  }
  throw new TesseraError('SentenceTransformer.load', 'folder', `${dir} has no model.safetensors`);
}

async function loadTransformer(dir: string): Promise<Transformer> {
  const { join } = await path();
  const config = await readJson<Partial<BertConfig> & { model_type?: string }>(join(dir, 'config.json'), 'config.json');
  if (config.model_type !== 'bert') {
    throw new TesseraError('SentenceTransformer.load', 'folder', `holds a '${String(config.model_type)}' model; Tessera implements BERT-style encoders (model_type 'bert')`);
  }
  const weights = await loadWeights(dir);
  const hasPooler = Object.keys(weights).some((k) => k.includes('pooler.dense'));
  const bert = new BertModel(config, { addPoolingLayer: hasPooler });
  const mapped = bertWeights(weights, bert);
  bert.loadStateDict(mapped);
  for (const t of Object.values(mapped)) t.dispose();
  const tokenizer = await Tokenizer.fromFolder(dir);
  const st = (await exists(join(dir, 'sentence_bert_config.json')))
    ? await readJson<{ max_seq_length?: number; do_lower_case?: boolean }>(join(dir, 'sentence_bert_config.json'), 'sentence_bert_config.json')
    : {};
  return new Transformer(bert, tokenizer, { maxSeqLength: st.max_seq_length ?? Math.min(tokenizer.modelMaxLength, bert.config.max_position_embeddings), doLowerCase: st.do_lower_case ?? false });
}

/**
 * Loads a sentence-transformers folder (or a plain Hugging Face BERT folder, which gets mean
 * pooling, as sentence-transformers does) onto `device`.
 */
export async function loadSentenceTransformer(folder: string, opts: { device?: DeviceName } = {}): Promise<SentenceTransformer> {
  const { join } = await path();
  if (!(await exists(folder))) throw new TesseraError('SentenceTransformer.load', 'folder', `${folder} does not exist`);
  const modules: (Module & FeatureModule)[] = [];
  if (!(await exists(join(folder, 'modules.json')))) {
    const t = await loadTransformer(folder);
    modules.push(t, new Pooling(t.hiddenSize, 'mean'));
  } else {
    const entries = await readJson<ModuleEntry[]>(join(folder, 'modules.json'), 'modules.json');
    for (const e of [...entries].sort((a, b) => a.idx - b.idx)) {
      const dir = join(folder, e.path);
      const kind = e.type.split('.').pop();
      if (kind === 'Transformer') modules.push(await loadTransformer(dir));
      else if (kind === 'Pooling') {
        const c = await readJson<Partial<PoolingConfig> & PoolingConfigV6>(join(dir, 'config.json'), `${e.path}/config.json`);
        modules.push(poolingFromConfig(c));
      } else if (kind === 'Dense') {
        const c = await readJson<DenseConfig>(join(dir, 'config.json'), `${e.path}/config.json`);
        const dense = new Dense(c.in_features, c.out_features, { bias: c.bias, activationFunction: c.activation_function });
        const w = await loadWeights(dir);
        dense.loadStateDict(w);
        for (const t of Object.values(w)) t.dispose();
        modules.push(dense);
      } else if (kind === 'Normalize') modules.push(new Normalize());
      else throw new TesseraError('SentenceTransformer.load', 'folder', `module ${e.idx} has type ${e.type}, which Tessera does not implement`);
    }
  }
  const model = new SentenceTransformer(modules);
  if (await exists(join(folder, 'config_sentence_transformers.json'))) {
    const c = await readJson<{ prompts?: Record<string, string>; similarity_fn_name?: string }>(join(folder, 'config_sentence_transformers.json'), 'config_sentence_transformers.json');
    model.prompts = c.prompts ?? {};
    if (c.similarity_fn_name === 'cosine' || c.similarity_fn_name === 'dot' || c.similarity_fn_name === 'euclidean' || c.similarity_fn_name === 'manhattan') model.similarityFnName = c.similarity_fn_name;
  }
  if (opts.device && opts.device !== 'cpu') await model.to(opts.device);
  return model;
}

export type { Tensor };
