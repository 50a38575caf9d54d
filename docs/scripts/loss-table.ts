/**
 * The "which loss for my data" table, as in sentence-transformers' loss overview (the seed of
 * @tessera/losses): data format → labels → losses. The build checks it against the package: every
 * loss named here must be exported with a `static info`, and every such class must be named here
 * or in EXTRA_LOSSES, so the table cannot drift from the code.
 */

export interface TableRow {
  texts: string;
  labels: string;
  losses: string[];
}

export interface TableSection {
  title: string;
  intro: string;
  rows: TableRow[];
}

export const LOSS_TABLE: TableSection[] = [
  {
    title: 'Loss functions',
    intro:
      'Match your training data to a row. You can often convert one format into another: (sentence_A, sentence_B) pairs with class labels become (anchor, positive, negative) triplets by sampling sentences with the same or different classes.',
    rows: [
      { texts: 'single sentences', labels: 'class', losses: ['BatchAllTripletLoss', 'BatchHardSoftMarginTripletLoss', 'BatchHardTripletLoss', 'BatchSemiHardTripletLoss'] },
      { texts: 'single sentences', labels: 'none', losses: ['ContrastiveTensionLoss', 'DenoisingAutoEncoderLoss'] },
      { texts: '(anchor, anchor) pairs', labels: 'none', losses: ['ContrastiveTensionLossInBatchNegatives'] },
      { texts: '(damaged_sentence, original_sentence) pairs', labels: 'none', losses: ['DenoisingAutoEncoderLoss'] },
      { texts: '(sentence_A, sentence_B) pairs', labels: 'class', losses: ['SoftmaxLoss'] },
      {
        texts: '(anchor, positive) pairs',
        labels: 'none',
        losses: ['CachedMultipleNegativesRankingLoss', 'MultipleNegativesRankingLoss', 'MultipleNegativesSymmetricRankingLoss', 'MegaBatchMarginLoss', 'CachedGISTEmbedLoss', 'GISTEmbedLoss'],
      },
      { texts: '(anchor, positive/negative) pairs', labels: '1 if positive, 0 if negative', losses: ['ContrastiveLoss', 'OnlineContrastiveLoss'] },
      { texts: '(sentence_A, sentence_B) pairs', labels: 'float similarity score', losses: ['CoSENTLoss', 'AnglELoss', 'CosineSimilarityLoss'] },
      {
        texts: '(anchor, positive, negative) triplets',
        labels: 'none',
        losses: ['CachedMultipleNegativesRankingLoss', 'MultipleNegativesRankingLoss', 'TripletLoss', 'CachedGISTEmbedLoss', 'GISTEmbedLoss'],
      },
    ],
  },
  {
    title: 'Loss modifiers',
    intro:
      'These work on top of another loss and apply it in different ways: models trained with MatryoshkaLoss produce embeddings that can be truncated without much loss in quality; models trained with AdaptiveLayerLoss still work when you remove layers for faster inference.',
    rows: [{ texts: 'any', labels: 'any', losses: ['MatryoshkaLoss', 'AdaptiveLayerLoss', 'Matryoshka2dLoss'] }],
  },
  {
    title: 'Distillation',
    intro: 'For distilling a model into another: a small model that behaves like a larger one, or a model made multilingual.',
    rows: [
      { texts: 'single sentences', labels: 'model sentence embeddings', losses: ['MSELoss'] },
      { texts: '(query, passage_one, passage_two) triplets', labels: 'gold_sim(query, passage_one) − gold_sim(query, passage_two)', losses: ['MarginMSELoss'] },
    ],
  },
];

/** The most common choices, as the overview says. */
export const COMMON_CHOICES: string[] = [
  '(anchor, positive) pairs without labels: `MultipleNegativesRankingLoss` trains the top performing embedding models; such data is cheap to obtain. `CachedMultipleNegativesRankingLoss` lets you grow the batch size, which usually helps.',
  '(sentence_A, sentence_B) pairs with a float similarity score: `CosineSimilarityLoss` is the traditional choice; `CoSENTLoss` and `AnglELoss` are drop-in replacements that usually do better.',
];

/** Losses of @tessera/losses that the overview's table does not list. */
export const EXTRA_LOSSES: Record<string, string> = {
  CachedMultipleNegativesSymmetricRankingLoss: 'the GradCache form of MultipleNegativesSymmetricRankingLoss (deprecated in sentence-transformers v6, kept for old configs)',
};

/** The 25 losses of the overview, in table order without repeats. */
export function seedLosses(): string[] {
  return [...new Set(LOSS_TABLE.flatMap((s) => s.rows.flatMap((r) => r.losses)))];
}
