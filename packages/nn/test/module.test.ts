/** Module: registration, dotted names, train/eval, stateDict/loadStateDict, clone, to(), tied weights. */
import { describe, expect, it } from 'vitest';
import * as T from '@tessera/tensor';
import { BertLMHeadModel, BertModel, Dropout, Linear, Module, ModuleList } from '@tessera/nn';

class Block extends Module {
  fc: Linear;
  drop: Dropout;
  layers: ModuleList<Linear>;
  scale: T.Tensor;
  constructor() {
    super();
    this.fc = this.child('fc', new Linear(3, 2));
    this.drop = this.child('drop', new Dropout(0.5));
    this.layers = this.child('layers', new ModuleList([new Linear(2, 2, { bias: false }), new Linear(2, 1)]));
    this.scale = this.param('scale', T.ones([1]));
  }
}

describe('Module', () => {
  it('names parameters with PyTorch dotted paths, in registration order', () => {
    const m = new Block();
    expect(m.namedParameters().map(([n]) => n)).toEqual(['scale', 'fc.weight', 'fc.bias', 'layers.0.weight', 'layers.1.weight', 'layers.1.bias']);
    expect(m.parameters().every((p) => p.requiresGrad && p.isLeaf)).toBe(true);
    expect(m.namedModules().map(([n]) => n)).toEqual(['', 'fc', 'drop', 'layers', 'layers.0', 'layers.1']);
    expect(m.layers.at(-1)).toBe(m.layers.at(1));
  });

  it('train()/eval() reach every submodule', () => {
    const m = new Block().eval();
    expect(m.modules().every((x) => !x.training)).toBe(true);
    m.train();
    expect(m.drop.training).toBe(true);
  });

  it('loadStateDict copies values in place; strict errors list missing, unexpected and mis-shaped keys', () => {
    const a = new Block();
    const b = new Block();
    const weightRef = b.fc.weight;
    const r = b.loadStateDict(a.stateDict());
    expect(r).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(b.fc.weight).toBe(weightRef);
    expect(Array.from(b.fc.weight.dataSync())).toEqual(Array.from(a.fc.weight.dataSync()));
    const dict = a.stateDict();
    delete dict['fc.bias'];
    dict['extra.weight'] = T.zeros([1]);
    dict['layers.0.weight'] = T.zeros([3, 3]);
    expect(() => b.loadStateDict(dict)).toThrow(/loadStateDict: argument 'dict' does not match the module \(missing keys: fc\.bias \| unexpected keys: extra\.weight \| size mismatch: layers\.0\.weight: checkpoint \[3, 3\], model \[2, 2\]\)/);
    dict['layers.0.weight'] = T.zeros([2, 2]);
    const loose = b.loadStateDict(dict, { strict: false });
    expect(loose).toEqual({ missingKeys: ['fc.bias'], unexpectedKeys: ['extra.weight'] });
    expect(Array.from(b.layers.at(0).weight.dataSync())).toEqual([0, 0, 0, 0]);
  });

  it('clone() is deep: fresh storage, same values, same structure', () => {
    const a = new Block();
    const c = a.clone();
    expect(c).toBeInstanceOf(Block);
    expect(c.fc).not.toBe(a.fc);
    expect(c.fc.weight).not.toBe(a.fc.weight);
    expect(c.fc.weight.storage).not.toBe(a.fc.weight.storage);
    expect(Array.from(c.fc.weight.dataSync())).toEqual(Array.from(a.fc.weight.dataSync()));
    c.fc.weight.assign(T.zerosLike(c.fc.weight));
    expect(Array.from(a.fc.weight.dataSync())).not.toEqual([0, 0, 0, 0, 0, 0]);
    expect(c.namedParameters().map(([n]) => n)).toEqual(a.namedParameters().map(([n]) => n));
  });

  it('tied weights are one parameter, appear under both names in the state dict, and stay tied through clone', () => {
    const dec = new BertLMHeadModel({ vocab_size: 11, hidden_size: 4, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 6, max_position_embeddings: 8 });
    const names = dec.namedParameters().map(([n]) => n);
    expect(names).toContain('bert.embeddings.word_embeddings.weight');
    expect(names).not.toContain('cls.predictions.decoder.weight');
    const sd = Object.keys(dec.stateDict());
    expect(sd).toContain('cls.predictions.decoder.weight');
    expect(sd).toContain('cls.predictions.bias');
    const copy = dec.clone();
    expect(copy.cls.predictions.decoder.weight).toBe(copy.bert.embeddings.word_embeddings.weight);
    const enc = new BertModel({ vocab_size: 11, hidden_size: 4, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 6, max_position_embeddings: 8 });
    const tied = dec.tieToEncoder(enc);
    expect(tied).toContain('encoder.layer.0.attention.self.query.weight');
    expect(tied.some((n) => n.includes('crossattention'))).toBe(false);
    expect(dec.bert.encoder.layer.at(0).attention.self.query.weight).toBe(enc.encoder.layer.at(0).attention.self.query.weight);
  });

  it('setParameter refuses shapes and paths that do not exist', () => {
    const m = new Block();
    expect(() => m.setParameter('fc.weight', T.zeros([5]))).toThrow(/Module.setParameter: argument 'value' has float32 \[5\]; 'fc.weight' is float32 \[2, 3\]/);
    expect(() => m.setParameter('nope.weight', T.zeros([1]))).toThrow(/no submodule 'nope'/);
  });
});
