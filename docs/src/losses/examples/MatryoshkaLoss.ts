import { MatryoshkaLoss, MultipleNegativesRankingLoss } from '@tessera/losses';
import type { LossExample } from '../example.js';

// Any loss, applied to the first 16, 8 and 4 dims of the embeddings: truncated embeddings stay useful.
const example: LossExample = ({ model, device }) => {
  const inner = new MultipleNegativesRankingLoss(model);
  const loss = new MatryoshkaLoss(model, { loss: inner, matryoshkaDims: [16, 8, 4] });
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
