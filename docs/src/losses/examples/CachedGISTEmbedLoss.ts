import { CachedGISTEmbedLoss } from '@tessera/losses';
import type { LossExample } from '../example.js';

// GISTEmbedLoss with GradCache: big batches in chunks of miniBatchSize rows.
const example: LossExample = async ({ model, device, otherModel }) => {
  const guide = await otherModel(3);
  const loss = new CachedGISTEmbedLoss(model, { guide, miniBatchSize: 2 });
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
