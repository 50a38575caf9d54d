/**
 * What the loss pages say about each loss, read from the code at build time so the pages cannot
 * drift: `static info` (inputs, labels, citation, relations) from the class, the doc comments and
 * the options interface from the built declarations (packages/losses/dist), and the defaults from
 * `getConfigDict()` of a loss constructed with only its required options.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ApiEntry, PackageApi } from './dts.js';
import { EXTRA_LOSSES, seedLosses } from './loss-table.js';

export interface LossOption {
  name: string;
  required: boolean;
  type: string;
  /** sentence-transformers' parameter name, from the doc comment's `[name]` prefix. */
  stName: string | null;
  doc: string;
  /** The default as getConfigDict reports it (JSON), or from the doc comment, or null. */
  defaultValue: string | null;
  defaultFrom: 'getConfigDict' | 'doc' | null;
}

export interface LossMeta {
  name: string;
  /** In the seed's table (false for the extra loss). */
  inSeed: boolean;
  inputs: string;
  labels: string;
  citation: string | null;
  relations: string[];
  /** The class's doc comment (formula and semantics). */
  doc: string;
  /** `class X extends Y`. */
  signature: string;
  constructorSignature: string;
  optionsType: string | null;
  options: LossOption[];
  /** getConfigDict() of the loss built with only its required options. */
  config: Record<string, unknown>;
  /** What constructing it printed with console.warn (deprecations). */
  warnings: string[];
  /** The options passed to build it here (the required ones). */
  requiredArgs: string[];
}

interface LossClass {
  new (model: unknown, options?: unknown): { getConfigDict(): Record<string, unknown> };
  info?: { inputs: string; labels: string; citation?: string; relations?: readonly string[] };
  name: string;
}

type Dist = Record<string, unknown>;

async function importDist(repoRoot: string, pkg: string): Promise<Dist> {
  const file = join(repoRoot, 'packages', pkg, 'dist', 'index.js');
  if (!existsSync(file)) throw new Error(`${file} is missing: build the packages first (pnpm build, or pnpm --filter @tessera/docs build)`);
  return (await import(pathToFileURL(file).href)) as Dist;
}

function interfaceMembers(api: PackageApi, name: string, seen = new Set<string>()): ApiEntry['members'] {
  if (seen.has(name)) return [];
  seen.add(name);
  const entry = api.entries.find((e) => e.name === name && e.kind === 'interface');
  if (!entry) return [];
  const parents = /\bextends\s+(.+)$/.exec(entry.signature)?.[1]?.split(',').map((s) => s.trim().replace(/<.*$/, '')) ?? [];
  const own = entry.members;
  const inherited = parents.flatMap((p) => interfaceMembers(api, p, seen)).filter((m) => !own.some((o) => o.name === m.name));
  return [...inherited, ...own];
}

const norm = (k: string): string => k.toLowerCase().replace(/_/g, '');

function formatValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'function') return (v as { stName?: string }).stName ?? v.name ?? 'function';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  // float32 round trips (e.g. exp(log(20)) = 20.000000677…) print as the value they stand for.
  if (typeof v === 'number' && !Number.isInteger(v)) return String(Number(v.toPrecision(7)));
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

export async function readLossMeta(repoRoot: string, lossesApi: PackageApi): Promise<LossMeta[]> {
  const T = await importDist(repoRoot, 'tensor');
  const NN = await importDist(repoRoot, 'nn');
  const L = await importDist(repoRoot, 'losses');
  const Generator = T.Generator as new (seed: number) => unknown;
  const { BertModel, Pooling, SentenceTransformer, Tokenizer, Transformer, bertTokenizerJson } = NN as Record<string, any>;
  // A tiny BERT SentenceTransformer with a five-token vocabulary: enough to construct every loss.
  const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'a', 'b'];
  const tokenizer = Tokenizer.fromJSON(bertTokenizerJson(vocab, { lowercase: true }));
  const makeModel = (seed: number): unknown => {
    const bert = new BertModel(
      { vocab_size: vocab.length, hidden_size: 8, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 8, max_position_embeddings: 8 },
      { generator: new Generator(seed) },
    );
    return new SentenceTransformer([new Transformer(bert, tokenizer, { maxSeqLength: 8 }), new Pooling(8, 'mean')]);
  };
  const MNRL = L.MultipleNegativesRankingLoss as LossClass;
  const required: Record<string, (model: unknown) => Record<string, unknown>> = {
    SoftmaxLoss: () => ({ embeddingDimension: 8, numLabels: 3 }),
    GISTEmbedLoss: () => ({ guide: makeModel(1) }),
    CachedGISTEmbedLoss: () => ({ guide: makeModel(1) }),
    MatryoshkaLoss: (m) => ({ loss: new MNRL(m), matryoshkaDims: [8, 4] }),
    Matryoshka2dLoss: (m) => ({ loss: new MNRL(m), matryoshkaDims: [8, 4] }),
    AdaptiveLayerLoss: (m) => ({ loss: new MNRL(m) }),
  };
  // Other values of the required options: config entries that change with them (e.g. one
  // matryoshka weight per dim) are derived, not defaults, and the doc comment's default is shown.
  const requiredAlt: Record<string, (model: unknown) => Record<string, unknown>> = {
    MatryoshkaLoss: (m) => ({ loss: new MNRL(m), matryoshkaDims: [8, 4, 2] }),
    Matryoshka2dLoss: (m) => ({ loss: new MNRL(m), matryoshkaDims: [8, 4, 2] }),
  };

  const names = [...seedLosses(), ...Object.keys(EXTRA_LOSSES)];
  // Drift checks: the table names only real losses, and every loss class is in the table.
  const withInfo = Object.entries(L)
    .filter(([, v]) => typeof v === 'function' && (v as LossClass).info !== undefined)
    .map(([k]) => k);
  const missing = names.filter((n) => !withInfo.includes(n));
  if (missing.length) throw new Error(`docs/scripts/loss-table.ts names losses that @tessera/losses does not export with a static info: ${missing.join(', ')}`);
  const unlisted = withInfo.filter((n) => !names.includes(n));
  if (unlisted.length) throw new Error(`@tessera/losses exports losses the docs do not list (add them to docs/scripts/loss-table.ts): ${unlisted.join(', ')}`);

  const seed = new Set(seedLosses());
  const out: LossMeta[] = [];
  for (const name of names) {
    const cls = L[name] as LossClass;
    const entry = lossesApi.entries.find((e) => e.name === name && e.kind === 'class');
    if (!entry) throw new Error(`${name} has no declaration in packages/losses/dist`);
    const ctor = entry.members.find((m) => m.kind === 'constructor');
    const ctorSig = ctor?.signature.split('\n')[0] ?? 'constructor(model: EmbeddingModel)';
    const optionsType = /options\??:\s*([\w$]+)/.exec(ctorSig)?.[1] ?? null;
    const members = optionsType ? interfaceMembers(lossesApi, optionsType) : [];
    const model = makeModel(0);
    const args = required[name]?.(model) ?? {};
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...a: unknown[]) => void warnings.push(a.map(String).join(' '));
    let config: Record<string, unknown>;
    try {
      const loss = optionsType ? new cls(model, args) : new cls(model);
      config = loss.getConfigDict();
    } finally {
      console.warn = warn;
    }
    const configByKey = new Map(Object.entries(config).map(([k, v]) => [norm(k), v]));
    const derived = new Set<string>();
    const alt = requiredAlt[name];
    if (alt) {
      const altModel = makeModel(0);
      const other = new cls(altModel, alt(altModel)).getConfigDict();
      for (const [k, v] of Object.entries(other)) if (formatValue(v) !== formatValue(config[k])) derived.add(norm(k));
    }
    const options: LossOption[] = members
      .filter((m) => m.kind === 'property')
      .map((m) => {
        const optional = new RegExp(`^(readonly\\s+)?${m.name}\\?`).test(m.signature);
        const type = m.signature.replace(/^(readonly\s+)?[\w$]+\??:\s*/, '');
        const stMatch = /^\[([\w]+)\]\s*/.exec(m.doc);
        const doc = stMatch ? m.doc.slice(stMatch[0].length) : m.doc;
        let defaultValue: string | null = null;
        let defaultFrom: LossOption['defaultFrom'] = null;
        if (optional && configByKey.has(norm(m.name)) && !derived.has(norm(m.name))) {
          defaultValue = formatValue(configByKey.get(norm(m.name)));
          defaultFrom = 'getConfigDict';
        } else if (optional) {
          const d = /Default(?:s)?(?: is)?[:\s]\s*(.+?)(?:\.\s|\.$|$)/.exec(doc.replace(/\s*\n\s*/g, ' '));
          if (d) {
            defaultValue = d[1]!.trim();
            defaultFrom = 'doc';
          }
        }
        return { name: m.name, required: !optional, type, stName: stMatch?.[1] ?? null, doc, defaultValue, defaultFrom };
      });
    const info = cls.info!;
    out.push({
      name,
      inSeed: seed.has(name),
      inputs: info.inputs,
      labels: info.labels,
      citation: info.citation ?? null,
      relations: [...(info.relations ?? [])],
      doc: entry.doc,
      signature: entry.signature,
      constructorSignature: ctorSig,
      optionsType,
      options,
      config,
      warnings,
      requiredArgs: Object.keys(args),
    });
  }
  return out;
}

/** The source of a loss page's example file (shown on the page as it runs there). */
export function exampleSource(docsDir: string, name: string): { code: string; encoder: 'words' | 'bert' } {
  const file = join(docsDir, 'src', 'losses', 'examples', `${name}.ts`);
  if (!existsSync(file)) throw new Error(`${name} has no live example: add docs/src/losses/examples/${name}.ts`);
  const code = readFileSync(file, 'utf8');
  return { code, encoder: /export const encoder: ExampleEncoderKind = 'bert'/.test(code) ? 'bert' : 'words' };
}
