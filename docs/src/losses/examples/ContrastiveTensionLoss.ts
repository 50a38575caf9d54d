import { Generator } from '@tessera/tensor';
import { ContrastiveTensionLoss, contrastiveTensionBatches } from '@tessera/losses';
import type { LossExample } from '../example.js';

// Unsupervised: pairs of the same sentence (label 1) and of two random sentences (label 0).
const example: LossExample = ({ model, device }) => {
  const sentences = [
    'The cat sleeps.',
    'Stocks fell today.',
    'It is raining.',
    'A kitten naps.',
    'Markets dropped.',
    'A storm is coming.',
    'Birds sing.',
    'The bus is late.',
  ];
  const [batch] = [...contrastiveTensionBatches(sentences, 4, 2, new Generator(0))]; // 4 pairs, 2 of them positive
  const loss = new ContrastiveTensionLoss(model); // trains a copy (model1) next to the model
  const a = model.tokenize(batch!.pairs.map((p) => p[0]), device);
  const b = model.tokenize(batch!.pairs.map((p) => p[1]), device);
  return { loss, value: loss.forward([a, b]) }; // labels inferred: 1 where both token rows are equal
};
export default example;
