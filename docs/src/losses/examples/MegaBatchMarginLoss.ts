import { MegaBatchMarginLoss } from '@tessera/losses';
import type { LossExample } from '../example.js';

// (anchor, positive) pairs; the most similar other positive in the batch is the hard negative.
const example: LossExample = ({ model, device }) => {
  const loss = new MegaBatchMarginLoss(model, { miniBatchSize: 2 }); // margins 0.8 / 0.3, GradCache chunks of 2
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
