import { MSELoss } from '@tessera/losses';
import type { LossExample } from '../example.js';

// Distillation: the student's embeddings regress onto a teacher's embeddings of the same sentences.
const example: LossExample = async ({ model, device, otherModel }) => {
  const teacher = await otherModel(7);
  const texts = [
    'A man is eating food.',
    'A plane is taking off.',
    'A woman plays the violin.',
    'Two dogs run on the grass.',
  ];
  const teacherEmbeddings = (await teacher.encode(texts)).to(device); // [4, 16], no gradient
  const loss = new MSELoss(model);
  return { loss, value: loss.forward([model.tokenize(texts, device)], teacherEmbeddings) };
};
export default example;
