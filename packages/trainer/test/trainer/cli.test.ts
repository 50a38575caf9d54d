/** The `tessera` CLI: train from a JSON config, encode to JSONL and .npy, eval on an STS-B-format file. */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, parseArgs, toNpy } from '../../src/cli.js';

describe('tessera CLI', () => {
  it('parses flags', () => {
    expect(parseArgs(['train', 'c.json', '--device', 'cpu', '--resume', '--x=1'])).toEqual({ positional: ['train', 'c.json'], flags: { device: 'cpu', resume: true, x: '1' } });
  });

  it('train → encode (jsonl, npy) → eval', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-cli-'));
    const rows = ['cat', 'dog', 'bird', 'fish', 'tree', 'rock', 'star', 'moon'].map((w) => ({ anchor: `the ${w}`, positive: `a ${w} here` }));
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({
        model: { fresh: true, bert: { hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 12, max_position_embeddings: 32 }, maxSeqLength: 16 },
        train: { type: 'rows', rows },
        loss: { name: 'MultipleNegativesRankingLoss', options: { scale: 20 } },
        args: { outputDir: 'out', maxSteps: 2, perDeviceTrainBatchSize: 4, saveStrategy: 'no', showProgressBar: false },
      }),
    );
    expect(await main(['train', join(dir, 'config.json'), '--device', 'cpu'])).toBe(0);
    const model = join(dir, 'out', 'final');
    expect(existsSync(join(model, 'modules.json'))).toBe(true);

    await writeFile(join(dir, 'texts.txt'), 'a cat\nthe dog\n\nbird\n');
    expect(await main(['encode', '--model', model, '--input', join(dir, 'texts.txt'), '--output', join(dir, 'emb.jsonl'), '--device', 'cpu'])).toBe(0);
    const lines = (await readFile(join(dir, 'emb.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { text: string; embedding: number[] });
    expect(lines.map((l) => l.text)).toEqual(['a cat', 'the dog', 'bird']);
    expect(lines[0]!.embedding.length).toBe(8);

    expect(await main(['encode', '--model', model, '--input', join(dir, 'texts.txt'), '--output', join(dir, 'emb.npy'), '--format', 'npy', '--normalize', '--device', 'cpu'])).toBe(0);
    const npy = await readFile(join(dir, 'emb.npy'));
    expect(Array.from(npy.subarray(0, 6))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
    const headerLen = npy.readUInt16LE(8);
    expect(npy.subarray(10, 10 + headerLen).toString()).toContain("'shape': (3, 8)");
    expect((10 + headerLen) % 64).toBe(0);
    const floats = new Float32Array(npy.buffer.slice(npy.byteOffset + 10 + headerLen, npy.byteOffset + npy.length));
    expect(Math.hypot(...floats.subarray(0, 8))).toBeCloseTo(1, 5);

    await writeFile(join(dir, 'sts.csv'), ['a cat,a cat,5.0', 'a cat,"the rock, big",0.5', 'the dog,a dog,4.0', 'bird,moon,1.0'].join('\n'));
    expect(await main(['eval', '--model', model, '--stsb', join(dir, 'sts.csv'), '--device', 'cpu'])).toBe(0);
  });

  it('writes .npy headers NumPy can read (version 1.0, 64-byte aligned)', () => {
    const bytes = toNpy(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    const len = bytes[8]! | (bytes[9]! << 8);
    expect((10 + len) % 64).toBe(0);
    expect(new TextDecoder().decode(bytes.subarray(10, 10 + len)).trimEnd()).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
  });

  it('refuses unknown commands, devices and losses', async () => {
    expect(await main(['nope'])).toBe(1);
    await expect(main(['quickstart', '--device', 'tpu'])).rejects.toThrow(/--device' must be cpu, webgpu or auto/);
  });
});
