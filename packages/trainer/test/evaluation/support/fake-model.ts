/** A model for evaluator tests: known texts map to fixed embeddings; records how it was called. */
import * as T from '@tessera/tensor';
import type { DType, Tensor } from '@tessera/tensor';
import type { EncodingModel, EvaluatorEncodeOptions } from '../../../src/evaluation/index.js';

export class FakeModel implements EncodingModel {
  readonly calls: { texts: string[]; opts: EvaluatorEncodeOptions | undefined }[] = [];

  constructor(
    readonly table: Record<string, readonly number[]>,
    public similarityFnName: string | undefined = 'cosine',
    readonly dtype: DType = 'float64',
  ) {}

  async encode(texts: readonly string[], opts?: EvaluatorEncodeOptions): Promise<Tensor> {
    this.calls.push({ texts: [...texts], opts });
    const width = Object.values(this.table)[0]?.length ?? 0;
    const rows = texts.map((t) => {
      const v = this.table[t];
      if (!v) throw new Error(`FakeModel: unknown text ${JSON.stringify(t)}`);
      return [...v];
    });
    return rows.length ? T.tensor(rows, { dtype: this.dtype }) : T.zeros([0, width], { dtype: this.dtype });
  }
}
