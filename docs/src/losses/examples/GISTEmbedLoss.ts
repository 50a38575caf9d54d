import { GISTEmbedLoss } from '@tessera/losses';
import type { LossExample } from '../example.js';

// MNRL whose in-batch negatives are filtered by a frozen guide model (false negatives are masked).
const example: LossExample = async ({ model, device, otherModel }) => {
  const guide = await otherModel(3); // in practice: a strong pretrained encoder
  const loss = new GISTEmbedLoss(model, { guide }); // temperature 0.01, absolute margin 0
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
