import { describe, expect, it } from 'vitest';
import { memory, randint, resetPeakMemory, tidy } from '@tessera/tensor';
import { noGrad } from '@tessera/autograd';
import { BertModel } from '@tessera/nn';

/** Peak CPU bytes above the parameters of one forward of a `layers`-layer BERT, under noGrad. */
function forwardPeak(layers: number): number {
  const model = new BertModel({ vocab_size: 50, hidden_size: 32, num_hidden_layers: layers, num_attention_heads: 4, intermediate_size: 128, max_position_embeddings: 32 }, { addPoolingLayer: false });
  model.eval();
  const inputIds = randint(0, 50, [16, 32], { dtype: 'int32' });
  const base = memory('cpu').liveBytes;
  resetPeakMemory('cpu');
  noGrad(() => tidy(() => void model.forward({ inputIds }, { outputPooler: false })));
  const peak = memory('cpu').peakBytes - base;
  inputIds.dispose();
  for (const p of model.parameters()) p.dispose();
  return peak;
}

describe('BertModel memory', () => {
  it("frees each layer's temporaries when the layer returns: a 6-layer forward peaks about as high as a 1-layer one", () => {
    const one = forwardPeak(1);
    const six = forwardPeak(6);
    // Kept until the caller's scope ends, six layers of temporaries would cost ~6x one layer's.
    expect(six).toBeLessThan(1.6 * one);
  });
});
