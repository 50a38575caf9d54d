import { TesseraError } from '@tessera/tensor';
import * as losses from '@tessera/losses';
import type { Loss } from '@tessera/losses';
import type { SentenceTransformer } from '@tessera/nn';

type LossClass = new (model: SentenceTransformer, options?: Record<string, unknown>) => Loss;

/** The loss classes by name (exactly the seed's names). */
export function lossClasses(): Record<string, LossClass> {
  const out: Record<string, LossClass> = {};
  for (const [name, value] of Object.entries(losses)) {
    if (typeof value === 'function' && name.endsWith('Loss') && value.prototype instanceof losses.Loss) out[name] = value as unknown as LossClass;
  }
  return out;
}

/** `new <name>(model, options)`, with an error listing the known names. */
export function lossByName(name: string, model: SentenceTransformer, options: Record<string, unknown> = {}): Loss {
  const classes = lossClasses();
  const cls = classes[name];
  if (!cls) throw new TesseraError('lossByName', 'name', `'${name}' is not a loss (known: ${Object.keys(classes).sort().join(', ')})`);
  return new cls(model, options);
}
