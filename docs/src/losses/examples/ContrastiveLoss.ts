import { tensor } from '@tessera/tensor';
import { ContrastiveLoss } from '@tessera/losses';
import type { LossExample } from '../example.js';

// (anchor, other) pairs labelled 1 (similar) or 0 (dissimilar).
const example: LossExample = ({ model, device }) => {
  const loss = new ContrastiveLoss(model); // cosine distance, margin 0.5, mean over the batch
  const a = model.tokenize([
    'How do I bake bread?',
    'What is the capital of France?',
    'How do I bake bread?',
    'Best way to learn piano',
  ], device);
  const b = model.tokenize([
    'Easy homemade bread recipe',
    'Paris is the capital of France',
    'Stock market news today',
    'How to repair a bicycle',
  ], device);
  const labels = tensor([1, 1, 0, 0], { device });
  return { loss, value: loss.forward([a, b], labels) };
};
export default example;
