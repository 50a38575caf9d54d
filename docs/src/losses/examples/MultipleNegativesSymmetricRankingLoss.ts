import { MultipleNegativesSymmetricRankingLoss } from '@tessera/losses';
import type { LossExample } from '../example.js';

// MNRL in both directions: anchors pick their positive, and positives pick their anchor.
const example: LossExample = ({ model, device }) => {
  const loss = new MultipleNegativesSymmetricRankingLoss(model); // scale 20, cosine similarity
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
