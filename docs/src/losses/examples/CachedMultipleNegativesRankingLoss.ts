import { CachedMultipleNegativesRankingLoss } from '@tessera/losses';
import type { LossExample } from '../example.js';

// MNRL with GradCache: same value and gradient, activations for miniBatchSize rows at a time.
const example: LossExample = ({ model, device }) => {
  const loss = new CachedMultipleNegativesRankingLoss(model, { miniBatchSize: 2 });
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
