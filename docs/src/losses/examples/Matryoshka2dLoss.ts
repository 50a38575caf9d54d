import { Generator } from '@tessera/tensor';
import { Matryoshka2dLoss, MultipleNegativesRankingLoss } from '@tessera/losses';
import type { SentenceTransformer } from '@tessera/nn';
import type { ExampleEncoderKind, LossExample } from '../example.js';

/** This loss needs a transformer (its layers or its decoder): the page trains the tiny BERT. */
export const encoder: ExampleEncoderKind = 'bert';

// AdaptiveLayerLoss and MatryoshkaLoss together: fewer layers and fewer dims both keep working.
const example: LossExample<SentenceTransformer> = ({ model, device }) => {
  const inner = new MultipleNegativesRankingLoss(model);
  const loss = new Matryoshka2dLoss(model, { loss: inner, matryoshkaDims: [16, 8, 4], generator: new Generator(0) });
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
