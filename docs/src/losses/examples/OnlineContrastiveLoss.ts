import { tensor } from '@tessera/tensor';
import { OnlineContrastiveLoss } from '@tessera/losses';
import type { LossExample } from '../example.js';

// Like ContrastiveLoss, but only the hard pairs of the batch count.
const example: LossExample = ({ model, device }) => {
  const loss = new OnlineContrastiveLoss(model); // cosine distance, margin 0.5
  const a = model.tokenize([
    'How do I bake bread?',
    'What is the capital of France?',
    'How do I bake bread?',
    'Best way to learn piano',
    'Is it going to rain?',
    'A cheap flight to Rome',
  ], device);
  const b = model.tokenize([
    'Easy homemade bread recipe',
    'Paris is the capital of France',
    'Stock market news today',
    'How to repair a bicycle',
    'Weather forecast for tomorrow',
    'The history of the Roman empire',
  ], device);
  const labels = tensor([1, 1, 0, 0, 1, 0], { device });
  return { loss, value: loss.forward([a, b], labels) };
};
export default example;
