import { Generator } from '@tessera/tensor';
import { AdaptiveLayerLoss, MultipleNegativesRankingLoss } from '@tessera/losses';
import type { SentenceTransformer } from '@tessera/nn';
import type { ExampleEncoderKind, LossExample } from '../example.js';

/** This loss needs a transformer (its layers or its decoder): the page trains the tiny BERT. */
export const encoder: ExampleEncoderKind = 'bert';

// Any loss on the last layer plus sampled earlier layers (with a KL term): layers can be dropped later.
const example: LossExample<SentenceTransformer> = ({ model, device }) => {
  const inner = new MultipleNegativesRankingLoss(model);
  const loss = new AdaptiveLayerLoss(model, { loss: inner, generator: new Generator(0) }); // 1 prior layer per step
  const anchor = model.tokenize([
    'how do I bake bread',
    'capital of france',
    'learn piano fast',
    'fix a flat tire',
  ], device);
  const positive = model.tokenize([
    'Easy homemade bread recipe',
    'Paris is the capital of France',
    'Piano lessons for beginners',
    'Repairing a bicycle puncture',
  ], device);
  return { loss, value: loss.forward([anchor, positive]) };
};
export default example;
