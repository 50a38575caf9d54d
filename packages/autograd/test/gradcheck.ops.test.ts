/**
 * Every differentiable op: autograd's Jacobian against central finite differences in float64,
 * on shapes fast-check draws (ranks 0-4, size-1 dims, broadcasting). The table is op-cases.ts.
 */
import { describe, it } from 'vitest';
import fc from 'fast-check';
import { tidy } from '@tessera/tensor';
import { gradcheck } from '@tessera/autograd';
import { materialize, OP_CASES } from './op-cases.js';

describe('gradcheck (float64, CPU)', () => {
  for (const c of OP_CASES) {
    it(c.name, () => {
      fc.assert(
        fc.property(c.params, (p) => {
          tidy(() => {
            gradcheck((...xs) => c.run(p, xs, 'cpu'), c.inputs(p).map((s) => materialize(s, 'float64', 'cpu')));
          });
        }),
        { numRuns: 12 },
      );
    });
  }
});
