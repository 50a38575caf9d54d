import { tensor } from '@tessera/tensor';
import { CoSENTLoss } from '@tessera/losses';
import type { LossExample } from '../example.js';

// (sentence_A, sentence_B) pairs with a float score; only the order of the scores matters.
const example: LossExample = ({ model, device }) => {
  const loss = new CoSENTLoss(model); // scale 20, pairwise cosine
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
  const scores = tensor([4.8, 4.2, 1.5, 0.2], { device }); // any scale: STS-B's 0…5 works as is
  return { loss, value: loss.forward([a, b], scores) };
};
export default example;
