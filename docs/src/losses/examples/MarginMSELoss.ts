import { tensor } from '@tessera/tensor';
import { MarginMSELoss } from '@tessera/losses';
import type { LossExample } from '../example.js';

// (query, passage_one, passage_two) with a teacher's margin sim(q, p1) − sim(q, p2).
const example: LossExample = ({ model, device }) => {
  const loss = new MarginMSELoss(model); // dot-product similarity
  const query = model.tokenize(['how do I bake bread', 'capital of france', 'learn piano fast'], device);
  const p1 = model.tokenize([
    'Easy homemade bread recipe',
    'Paris is the capital of France',
    'Piano lessons for beginners',
  ], device);
  const p2 = model.tokenize([
    'Stock market news today',
    'France is in Europe',
    'Guitar chords for songs',
  ], device);
  const teacherMargins = tensor([6.5, 2.1, 4.0], { device });
  return { loss, value: loss.forward([query, p1, p2], teacherMargins) };
};
export default example;
