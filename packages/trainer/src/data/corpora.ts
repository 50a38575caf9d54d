/**
 * Loaders for the standard sentence-pair data sets, read from the files their authors distribute:
 * STS Benchmark (CSV), SICK (TSV) and MRPC (TSV). Each returns a {@link Dataset} with the columns
 * sentence1, sentence2 and score and/or label.
 */
import { Dataset } from './dataset.js';
import type { Row } from './dataset.js';
import { readCsv } from './readers.js';

/**
 * STS Benchmark (`stsb-en-{train,dev,test}.csv`: no header; sentence1, sentence2, score 0–5; RFC 4180
 * quoting). Returns (sentence1, sentence2, score) with score scaled to [0, 1] (`x / 5`).
 * Rows: train 5,749, dev 1,500, test 1,379.
 */
export function loadStsb(path: string): Dataset {
  const ds = readCsv(path, {
    delimiter: ',',
    header: ['sentence1', 'sentence2', 'score'],
    types: { score: 'number' },
    validate: (r) => ((r.score as number) >= 0 && (r.score as number) <= 5 ? null : `score ${r.score} is outside [0, 5]`),
  });
  return remap(ds, ['sentence1', 'sentence2', 'score'], (r) => ({ sentence1: r.sentence1!, sentence2: r.sentence2!, score: (r.score as number) / 5 }));
}

/** SICK entailment labels: `label` is the index in this list (as in the Hugging Face `sick` data set). */
export const SICK_LABELS = ['ENTAILMENT', 'NEUTRAL', 'CONTRADICTION'] as const;

/**
 * SICK (`sick-train.tsv` / `sick-trial.tsv`: TSV with header pair_ID, sentence_A, sentence_B,
 * entailment_label, relatedness_score, …; read with quoting off). Rows: train 4,439, trial 495.
 *
 * Columns by `task`:
 * - omitted: (sentence1, sentence2, score, label) — all of it. Note that a Dataset's label column is the
 *   first of label/labels/score/scores, so select the columns for a loss (or pass `task`).
 * - 'relatedness': (sentence1, sentence2, score) with score = (relatedness − 1) / 4 in [0, 1].
 * - 'entailment': (sentence1, sentence2, label) with label = index in {@link SICK_LABELS}.
 */
export function loadSick(path: string, opts: { task?: 'relatedness' | 'entailment' } = {}): Dataset {
  const ds = readCsv(path, {
    delimiter: '\t',
    quote: null,
    header: true,
    columns: ['sentence_A', 'sentence_B', 'relatedness_score', 'entailment_label'],
    types: { relatedness_score: 'number' },
    validate: (r) => {
      const s = r.relatedness_score as number;
      if (!(s >= 1 && s <= 5)) return `relatedness_score ${s} is outside [1, 5]`;
      if (!(SICK_LABELS as readonly string[]).includes(r.entailment_label as string)) return `unknown entailment_label ${JSON.stringify(r.entailment_label)} (${SICK_LABELS.join(', ')})`;
      return null;
    },
  });
  const names = opts.task === 'relatedness' ? ['sentence1', 'sentence2', 'score'] : opts.task === 'entailment' ? ['sentence1', 'sentence2', 'label'] : ['sentence1', 'sentence2', 'score', 'label'];
  return remap(ds, names, (r): Row => {
    const score = ((r.relatedness_score as number) - 1) / 4;
    const label = (SICK_LABELS as readonly string[]).indexOf(r.entailment_label as string);
    if (opts.task === 'relatedness') return { sentence1: r.sentence_A!, sentence2: r.sentence_B!, score };
    if (opts.task === 'entailment') return { sentence1: r.sentence_A!, sentence2: r.sentence_B!, label };
    return { sentence1: r.sentence_A!, sentence2: r.sentence_B!, score, label };
  });
}

/**
 * MRPC (`msr_paraphrase_{train,test}.txt`: UTF-8 with a BOM, TSV with header Quality, #1 ID, #2 ID,
 * #1 String, #2 String). Returns (sentence1, sentence2, label) with label 1 = paraphrase, 0 = not.
 *
 * The file is read with quoting off (`quote: null`): its sentences contain bare quote characters, and
 * RFC 4180 quoting would merge or split rows (3,966 records for train instead of 4,080). The train file
 * ends with 4 made-up pairs whose IDs are both -1 (not part of the corpus); they are dropped unless
 * `keepPlaceholders` is set. Rows: train 4,076 (4,080 with the placeholders), test 1,725.
 */
export function loadMrpc(path: string, opts: { keepPlaceholders?: boolean } = {}): Dataset {
  const ds = readCsv(path, {
    delimiter: '\t',
    quote: null,
    header: true,
    columns: ['#1 String', '#2 String', 'Quality', '#1 ID', '#2 ID'],
    types: { Quality: 'int', '#1 ID': 'int', '#2 ID': 'int' },
    validate: (r) => (r.Quality === 0 || r.Quality === 1 ? null : `Quality ${r.Quality} is not 0 or 1`),
  });
  const kept = opts.keepPlaceholders ? ds : ds.filter((r) => !(r['#1 ID'] === -1 && r['#2 ID'] === -1));
  return remap(kept, ['sentence1', 'sentence2', 'label'], (r) => ({ sentence1: r['#1 String']!, sentence2: r['#2 String']!, label: r.Quality! }));
}

/** Maps rows to new rows with fixed column names (also right for an empty data set). */
function remap(ds: Dataset, names: readonly string[], fn: (r: Row) => Row): Dataset {
  return new Dataset([...ds].map(fn), names);
}
