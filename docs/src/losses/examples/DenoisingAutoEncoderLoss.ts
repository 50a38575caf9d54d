import { Generator } from '@tessera/tensor';
import { DenoisingAutoEncoderLoss, denoise } from '@tessera/losses';
import type { SentenceTransformer } from '@tessera/nn';
import type { ExampleEncoderKind, LossExample } from '../example.js';

/** This loss needs a transformer (its layers or its decoder): the page trains the tiny BERT. */
export const encoder: ExampleEncoderKind = 'bert';

// TSDAE: encode a damaged sentence, decode the original from its embedding.
const example: LossExample<SentenceTransformer> = ({ model, device }) => {
  const originals = [
    'The quick brown fox jumps over the lazy dog.',
    'Paris is the capital of France.',
    'I like to bake bread on Sundays.',
  ];
  const generator = new Generator(0);
  const damaged = originals.map((s) => denoise(s, { generator })); // deletes about 60% of the words
  const loss = new DenoisingAutoEncoderLoss(model); // the decoder shares the encoder's weights
  return { loss, value: loss.forward([model.tokenize(damaged, device), model.tokenize(originals, device)]) };
};
export default example;
