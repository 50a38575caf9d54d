#!/usr/bin/env node
/**
 * tessera train <config.json> [--device cpu|webgpu|auto] [--resume [checkpoint]]
 * tessera eval --model <folder> [--stsb <folder|test.csv>] [--device …]
 * tessera encode --model <folder> --input <texts.txt|-> [--output out.jsonl] [--format jsonl|npy] [--normalize] [--device …]
 * tessera quickstart [--stsb <folder>] [--output <dir>] [--minutes N] [--steps N] [--device …]
 * tessera recipe stsb --data <folder> [--minutes 60] [--output <dir>] [--hidden N] [--layers N] [--device …]
 */
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { DeviceName } from '@tessera/tensor';
import { TesseraError } from '@tessera/tensor';
import { SentenceTransformer } from '@tessera/nn';
import { loadStsb } from './data/corpora.js';
import { EmbeddingSimilarityEvaluator } from './evaluation/embedding-similarity.js';
import { prepareRun } from './recipes/config.js';
import { quickstart } from './recipes/quickstart.js';
import { stsbRecipe } from './recipes/stsb.js';
import { resolveDevice, Trainer } from './trainer.js';

const USAGE = `usage:
  tessera train <config.json> [--device cpu|webgpu|auto] [--resume [checkpoint]]
  tessera eval --model <folder> [--stsb <folder|stsb-en-test.csv>] [--device cpu|webgpu|auto]
  tessera encode --model <folder> --input <texts.txt|-> [--output out.jsonl] [--format jsonl|npy] [--normalize] [--batch-size N] [--device …]
  tessera quickstart [--stsb <folder>] [--output <dir>] [--minutes N] [--steps N] [--device cpu|webgpu|auto]
  tessera recipe stsb --data <folder with stsb/ and sick/> [--minutes 60] [--output <dir>] [--hidden 256] [--layers 4] [--device …]`;

/** `--key value` / `--flag` / positionals. */
export function parseArgs(argv: readonly string[]): { positional: string[]; flags: Record<string, string | true> } {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2) as [string, string | undefined];
      if (v !== undefined) flags[k] = v;
      else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) flags[k] = argv[++i]!;
      else flags[k] = true;
    } else positional.push(a);
  }
  return { positional, flags };
}

function device(flags: Record<string, string | true>): DeviceName | 'auto' {
  const d = flags.device ?? 'auto';
  if (d !== 'cpu' && d !== 'webgpu' && d !== 'auto') throw new TesseraError('tessera', '--device', `must be cpu, webgpu or auto, got ${String(d)}`);
  return d;
}

function need(flags: Record<string, string | true>, key: string): string {
  const v = flags[key];
  if (typeof v !== 'string') throw new TesseraError('tessera', `--${key}`, 'is required');
  return v;
}

async function readLines(path: string): Promise<string[]> {
  const input = path === '-' ? process.stdin : createReadStream(path, 'utf8');
  const lines: string[] = [];
  for await (const line of createInterface({ input, crlfDelay: Infinity })) if (line.trim()) lines.push(line);
  return lines;
}

/** Serialises a float32 matrix as NumPy's .npy (v1.0, little-endian '<f4', C order). */
export function toNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

export async function main(argv: readonly string[]): Promise<number> {
  const { positional, flags } = parseArgs(argv);
  const command = positional[0];
  if (!command || flags.help) {
    console.log(USAGE);
    return command ? 0 : 1;
  }
  if (command === 'train') {
    const config = positional[1];
    if (!config) throw new TesseraError('tessera train', 'config', 'is required: tessera train <config.json>');
    const run = await prepareRun(config, { device: flags.device ? device(flags) : undefined });
    const trainer = new Trainer({ model: run.model, loss: run.loss, trainDataset: run.trainDataset, evalDataset: run.evalDataset, evaluator: run.evaluator, args: run.args });
    const resume = flags.resume === true ? true : typeof flags.resume === 'string' ? flags.resume : undefined;
    const out = await trainer.train({ resumeFromCheckpoint: resume });
    await run.model.save(run.save);
    console.log(`trained ${out.globalStep} steps on ${out.device} in ${out.runtimeSeconds.toFixed(1)} s (mean loss ${out.trainingLoss.toFixed(4)}); saved to ${run.save}`);
    return 0;
  }
  if (command === 'eval') {
    const dev = await resolveDevice(device(flags));
    const model = await SentenceTransformer.load(need(flags, 'model'), { device: dev });
    const stsb = flags.stsb;
    if (typeof stsb !== 'string') throw new TesseraError('tessera eval', '--stsb', 'is required (the STS-B folder or stsb-en-test.csv)');
    const file = stsb.endsWith('.csv') ? stsb : `${stsb}/stsb-en-test.csv`;
    const d = loadStsb(file);
    const e = new EmbeddingSimilarityEvaluator(d.column('sentence1') as string[], d.column('sentence2') as string[], d.column('score') as number[], { name: 'sts-test' });
    const metrics = await e.evaluate(model);
    for (const [k, v] of Object.entries(metrics)) console.log(`${k}\t${v.toFixed(6)}`);
    return 0;
  }
  if (command === 'encode') {
    const dev = await resolveDevice(device(flags));
    const model = await SentenceTransformer.load(need(flags, 'model'), { device: dev });
    const texts = await readLines(need(flags, 'input'));
    const batchSize = typeof flags['batch-size'] === 'string' ? Number(flags['batch-size']) : 32;
    const emb = await model.encode(texts, { batchSize, normalize: flags.normalize === true });
    const data = (await emb.data()) as Float32Array;
    const format = flags.format ?? 'jsonl';
    const output = typeof flags.output === 'string' ? flags.output : null;
    if (format === 'npy') {
      if (!output) throw new TesseraError('tessera encode', '--output', 'is required with --format npy');
      await writeFile(output, toNpy(data, emb.shape));
    } else {
      const d = emb.shape[1]!;
      const lines = texts.map((text, i) => JSON.stringify({ text, embedding: Array.from(data.subarray(i * d, (i + 1) * d)) }));
      if (output) await writeFile(output, `${lines.join('\n')}\n`);
      else process.stdout.write(`${lines.join('\n')}\n`);
    }
    if (output) console.error(`wrote ${texts.length} embeddings (${emb.shape[1]} dims) to ${output}`);
    return 0;
  }
  if (command === 'quickstart') {
    await quickstart({
      stsb: typeof flags.stsb === 'string' ? flags.stsb : null,
      outputDir: typeof flags.output === 'string' ? flags.output : undefined,
      minutes: typeof flags.minutes === 'string' ? Number(flags.minutes) : undefined,
      maxSteps: typeof flags.steps === 'string' ? Number(flags.steps) : undefined,
      device: device(flags),
    });
    return 0;
  }
  if (command === 'recipe' && positional[1] === 'stsb') {
    const num = (k: string): number | undefined => (typeof flags[k] === 'string' ? Number(flags[k]) : undefined);
    await stsbRecipe({
      data: need(flags, 'data'),
      outputDir: typeof flags.output === 'string' ? flags.output : undefined,
      minutes: num('minutes'),
      hidden: num('hidden'),
      layers: num('layers'),
      device: device(flags),
    });
    return 0;
  }
  console.error(USAGE);
  return 1;
}

const invoked = process.argv[1] ?? '';
if (/cli\.(js|ts)$/.test(invoked)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? `error: ${e.message}` : e);
      process.exit(1);
    },
  );
}
