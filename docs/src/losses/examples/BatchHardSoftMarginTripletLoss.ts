import { tensor } from '@tessera/tensor';
import { BatchHardSoftMarginTripletLoss } from '@tessera/losses';
import type { LossExample } from '../example.js';

// Batch-hard triplets with a soft margin: log(1 + exp(d(a, p) − d(a, n))), no margin to tune.
const example: LossExample = ({ model, device }) => {
  const loss = new BatchHardSoftMarginTripletLoss(model); // Euclidean distance
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
