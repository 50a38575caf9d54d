import { ContrastiveTensionLossInBatchNegatives } from '@tessera/losses';
import type { LossExample } from '../example.js';

// Unsupervised: one column of sentences; each one's copy is its positive, the rest are negatives.
const example: LossExample = ({ model, device }) => {
  const loss = new ContrastiveTensionLossInBatchNegatives(model); // learnable scale starting at 20
  const sentences = model.tokenize([
    'The cat sleeps.',
    'Stocks fell today.',
    'It is raining.',
    'A kitten naps.',
  ], device);
  return { loss, value: loss.forward([sentences]) };
};
export default example;
