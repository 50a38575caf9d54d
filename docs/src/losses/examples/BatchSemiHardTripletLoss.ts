import { tensor } from '@tessera/tensor';
import { BatchSemiHardTripletLoss } from '@tessera/losses';
import type { LossExample } from '../example.js';

// Single sentences with a class label; negatives farther than the positive but within the margin.
const example: LossExample = ({ model, device }) => {
  const loss = new BatchSemiHardTripletLoss(model); // Euclidean distance, margin 5
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
