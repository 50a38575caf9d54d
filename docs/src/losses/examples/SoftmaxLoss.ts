import { tensor } from '@tessera/tensor';
import { SoftmaxLoss } from '@tessera/losses';
import type { LossExample } from '../example.js';

// NLI-style pairs with a class: 0 entailment, 1 neutral, 2 contradiction.
const example: LossExample = ({ model, device }) => {
  const loss = new SoftmaxLoss(model, { embeddingDimension: model.getEmbeddingDimension(), numLabels: 3 });
  const premise = model.tokenize([
    'A man inspects a uniform.',
    'A soccer game with players.',
    'Children smile and wave.',
    'A woman rides a bike.',
  ], device);
  const hypothesis = model.tokenize([
    'A man looks at clothing.',
    'Some men play a sport.',
    'The kids are crying.',
    'A person is outdoors.',
  ], device);
  const classes = tensor([0, 0, 2, 1], { dtype: 'int32', device });
  return { loss, value: loss.forward([premise, hypothesis], classes) };
};
export default example;
