import { MultipleNegativesRankingLoss } from '@tessera/losses';
import type { LossExample } from '../example.js';

// (anchor, positive[, negative]): every other positive (and negative) in the batch is a negative.
const example: LossExample = ({ model, device }) => {
  const loss = new MultipleNegativesRankingLoss(model); // scale 20, cosine similarity
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
  const negative = model.tokenize([
    'Stock market news today',
    'France is in Europe',
    'Guitar chords for songs',
    'Buying a new car',
  ], device);
  return { loss, value: loss.forward([anchor, positive, negative]) };
};
export default example;
