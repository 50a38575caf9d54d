import type { Tensor } from '@tessera/tensor';
import { check, defaultGenerator, dropout, Generator } from '@tessera/tensor';
import { Module } from '../module.js';

/** Inverted dropout while training (seeded by the generator, by default the global one); identity in eval mode. */
export class Dropout extends Module {
  readonly p: number;
  generator: Generator;

  constructor(p = 0.5, generator: Generator = defaultGenerator) {
    super();
    check(typeof p === 'number' && p >= 0 && p <= 1, 'Dropout', 'p', () => `must be a probability in [0, 1], got ${p}`);
    this.p = p;
    this.generator = generator;
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training, this.generator);
  }
}
