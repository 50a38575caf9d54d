import { tensor } from '@tessera/tensor';
import { BatchAllTripletLoss } from '@tessera/losses';
import type { LossExample } from '../example.js';

// Single sentences with a class label; every valid (anchor, positive, negative) triplet in the batch counts.
const example: LossExample = ({ model, device }) => {
  const loss = new BatchAllTripletLoss(model); // Euclidean distance, margin 5
  const sentences = model.tokenize([
    'The cat sleeps.',
    'A kitten naps.',
    'Stocks fell today.',
    'Markets dropped sharply.',
    'It is raining.',
    'A storm is coming.',
  ], device);
  const topic = tensor([0, 0, 1, 1, 2, 2], { dtype: 'int32', device }); // animals, finance, weather
  return { loss, value: loss.forward([sentences], topic) };
};
export default example;
