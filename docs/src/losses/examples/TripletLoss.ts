import { TripletLoss } from '@tessera/losses';
import type { LossExample } from '../example.js';

// (anchor, positive, negative) triplets: the anchor should be closer to the positive by a margin.
const example: LossExample = ({ model, device }) => {
  const loss = new TripletLoss(model); // Euclidean distance, margin 5
  const anchor = model.tokenize([
    'How do I bake bread?',
    'What is the capital of France?',
    'Best way to learn piano',
  ], device);
  const positive = model.tokenize([
    'Easy homemade bread recipe',
    'Paris is the capital of France',
    'Piano lessons for beginners',
  ], device);
  const negative = model.tokenize([
    'Stock market news today',
    'How to repair a bicycle',
    'The history of the Roman empire',
  ], device);
  return { loss, value: loss.forward([anchor, positive, negative]) };
};
export default example;
