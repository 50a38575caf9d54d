import { tensor } from '@tessera/tensor';
import { CosineSimilarityLoss } from '@tessera/losses';
import type { LossExample } from '../example.js';

// (sentence_A, sentence_B) pairs with a gold similarity score in [0, 1].
const example: LossExample = ({ model, device }) => {
  const loss = new CosineSimilarityLoss(model); // MSE between cos(u, v) and the score
  const a = model.tokenize([
    'A man is eating food.',
    'A plane is taking off.',
    'A woman plays the violin.',
    'Two dogs run on the grass.',
  ], device);
  const b = model.tokenize([
    'A man eats a meal.',
    'An airplane departs.',
    'A man is playing guitar.',
    'A cat sleeps indoors.',
  ], device);
  const scores = tensor([0.95, 0.85, 0.3, 0.05], { device });
  return { loss, value: loss.forward([a, b], scores) };
};
export default example;
