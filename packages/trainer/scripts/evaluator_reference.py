#!/usr/bin/env python3
"""sentence-transformers reference values for @tessera/trainer's evaluators.

Writes packages/trainer/test/evaluation/fixtures/evaluator-reference.json, which
packages/trainer/test/evaluation/reference.test.ts reads (the tests never need Python).

The evaluators here are sentence-transformers' own classes (EmbeddingSimilarityEvaluator,
TripletEvaluator, BinaryClassificationEvaluator, InformationRetrievalEvaluator, MSEEvaluator,
SequentialEvaluator), run on a fake model that maps each known text to a fixed float64 embedding,
so every similarity, correlation, threshold sweep, average precision, MCC and IR metric comes from
sentence-transformers' / scipy's / scikit-learn's code paths. Each case is evaluated twice (two
epoch/step pairs) into a temporary folder, and the CSV file sentence-transformers wrote is stored
verbatim. The `metrics` section holds scipy's spearmanr/pearsonr, sklearn's average_precision_score
and matthews_corrcoef, and BinaryClassificationEvaluator's static threshold sweeps on raw vectors.

Options in the JSON are Tessera's (camelCase); `st_kwargs` holds what sentence-transformers got.
Regenerate (sentence-transformers 6.0.1, scipy, scikit-learn, torch):

    /tmp/stvenv/bin/python packages/trainer/scripts/evaluator_reference.py
"""
import json
import os
import tempfile
import types
import warnings

import numpy as np
import scipy
import sklearn
import torch
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import average_precision_score, matthews_corrcoef

import sentence_transformers
from sentence_transformers import util
from sentence_transformers.sentence_transformer.evaluation import (
    BinaryClassificationEvaluator,
    EmbeddingSimilarityEvaluator,
    InformationRetrievalEvaluator,
    MSEEvaluator,
    SequentialEvaluator,
    TripletEvaluator,
)
from sentence_transformers.util.similarity import SimilarityFunction

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'evaluation', 'fixtures', 'evaluator-reference.json')
DIM = 5
rng = np.random.default_rng(20240611)


class FakeModel:
    """Maps each known text to a fixed float64 embedding (what Tessera's test fake does)."""

    def __init__(self, table, similarity_fn_name='cosine'):
        self.table = table
        self.similarity_fn_name = similarity_fn_name
        self.model_card_data = types.SimpleNamespace(set_evaluation_metrics=lambda *a, **k: None)

    def encode(self, sentences, convert_to_tensor=False, **kwargs):
        arr = np.array([self.table[s] for s in sentences], dtype=np.float64).reshape(len(sentences), -1)
        return torch.from_numpy(arr) if convert_to_tensor else arr

    encode_query = encode
    encode_document = encode

    def similarity(self, a, b):
        return SimilarityFunction.to_similarity_fn(self.similarity_fn_name)(a, b)


def vec(scale=1.0):
    return [float(v) for v in rng.normal(size=DIM) * scale]


def make_table(texts, aliases=None):
    """Random embeddings (varied norms, so dot differs from cosine); aliases copy another text's vector."""
    table = {}
    for t in texts:
        table[t] = vec(float(rng.uniform(0.5, 2.0)))
    for alias, original in (aliases or {}).items():
        table[alias] = list(table[original])
    return table


def run_twice(evaluator, model, calls=((1, 10), (2, -1))):
    """Evaluates twice into a temp folder; returns results, primary metric and the CSV files."""
    with tempfile.TemporaryDirectory() as d:
        results = []
        for epoch, steps in calls:
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                metrics = evaluator(model, output_path=d, epoch=epoch, steps=steps)
            results.append({'epoch': epoch, 'steps': steps, 'metrics': [[k, float(v)] for k, v in metrics.items()]})
        files = {}
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name), newline='', encoding='utf-8') as f:
                files[name] = f.read()
    return {'calls': results, 'primaryMetric': evaluator.primary_metric, 'csv': files}


fixture = {
    'versions': {
        'sentence_transformers': sentence_transformers.__version__,
        'scipy': scipy.__version__,
        'sklearn': sklearn.__version__,
        'torch': torch.__version__,
        'numpy': np.__version__,
    },
    'metrics': {},
    'cases': [],
}

# ---------------------------------------------------------------- raw metric functions


def tied(n, levels):
    """n values drawn from `levels` distinct values (many ties)."""
    return [float(v) for v in rng.choice(np.round(rng.normal(size=levels), 3), size=n)]


corr = []
for n, kind in [(5, 'plain'), (12, 'ties'), (30, 'ties'), (9, 'ties-both'), (40, 'plain')]:
    x = [float(v) for v in rng.normal(size=n)]
    y = [float(v) for v in rng.normal(size=n)]
    if kind in ('ties', 'ties-both'):
        x = tied(n, max(2, n // 3))
    if kind == 'ties-both':
        y = tied(n, 3)
    corr.append({'x': x, 'y': y, 'pearson': float(pearsonr(x, y)[0]), 'spearman': float(spearmanr(x, y)[0])})
fixture['metrics']['correlation'] = corr

sweeps = []
for n, levels in [(6, None), (15, 5), (25, 8), (40, None), (10, 2)]:
    labels = [int(v) for v in rng.integers(0, 2, size=n)]
    if len(set(labels)) < 2:
        labels[0] = 1 - labels[0]
    scores = [float(v) for v in rng.normal(size=n)] if levels is None else tied(n, levels)
    s, l = np.asarray(scores), np.asarray(labels)
    entry = {'scores': scores, 'labels': labels}
    for greater in (True, False):
        acc, acc_t = BinaryClassificationEvaluator.find_best_acc_and_threshold(s, l, greater)
        f1, p, r, f1_t = BinaryClassificationEvaluator.find_best_f1_and_threshold(s, l, greater)
        ap = average_precision_score(l, s * (1 if greater else -1))
        pred = (s >= f1_t) if greater else (s <= f1_t)
        mcc = matthews_corrcoef(l, pred)
        entry['greater' if greater else 'smaller'] = {
            'accuracy': float(acc), 'accuracyThreshold': float(acc_t),
            'f1': float(f1), 'precision': float(p), 'recall': float(r), 'f1Threshold': float(f1_t),
            'ap': float(ap), 'mcc': float(mcc),
        }
    sweeps.append(entry)
fixture['metrics']['binary'] = sweeps

# ---------------------------------------------------------------- EmbeddingSimilarityEvaluator

sts_texts = [f'sts sentence {i}' for i in range(16)]
sts_table = make_table(sts_texts, aliases={'sts alias of 3': 'sts sentence 3', 'sts alias of 7': 'sts sentence 7'})
pairs = [(sts_texts[i], sts_texts[(i * 5 + 3) % 16]) for i in range(14)]
# Exact similarity ties: a repeated pair, and pairs whose second text is an alias (same vector).
pairs += [pairs[2], (sts_texts[9], 'sts sentence 7'), (sts_texts[9], 'sts alias of 7')]
pairs += [('sts alias of 3', sts_texts[0]), (sts_texts[3], sts_texts[0])]
gold = [float(v) for v in rng.choice([0.0, 0.8, 1.6, 2.5, 2.5, 3.2, 4.0, 5.0], size=len(pairs))]
s1 = [a for a, _ in pairs]
s2 = [b for _, b in pairs]

for st_kwargs, ts_opts, sim_name in [
    ({'name': 'sts-dev', 'similarity_fn_names': ['cosine', 'euclidean', 'manhattan', 'dot']},
     {'name': 'sts-dev', 'similarityFnNames': ['cosine', 'euclidean', 'manhattan', 'dot']}, 'cosine'),
    ({'name': 'sts-test'}, {'name': 'sts-test'}, 'cosine'),
    ({'name': 'sts-main', 'main_similarity': 'dot'}, {'name': 'sts-main', 'mainSimilarity': 'dot'}, 'cosine'),
    ({'name': 'sts-both', 'main_similarity': 'manhattan', 'similarity_fn_names': ['cosine', 'manhattan']},
     {'name': 'sts-both', 'mainSimilarity': 'manhattan', 'similarityFnNames': ['cosine', 'manhattan']}, 'cosine'),
    ({}, {}, 'euclidean'),
]:
    ev = EmbeddingSimilarityEvaluator(s1, s2, gold, **st_kwargs)
    model = FakeModel(sts_table, sim_name)
    fixture['cases'].append({
        'evaluator': 'EmbeddingSimilarityEvaluator',
        'args': {'sentences1': s1, 'sentences2': s2, 'scores': gold},
        'options': ts_opts, 'st_kwargs': st_kwargs, 'modelSimilarityFnName': sim_name, 'table': 'sts',
        **run_twice(ev, model),
    })

# ---------------------------------------------------------------- TripletEvaluator

tri_texts = [f'triplet text {i}' for i in range(18)]
tri_table = make_table(tri_texts, aliases={'triplet alias of 5': 'triplet text 5'})
anchors, positives, negatives = [], [], []
for i in range(16):
    anchors.append(tri_texts[i])
    positives.append(tri_texts[(i + 1) % 18])
    negatives.append(tri_texts[(i * 7 + 2) % 18])
# Exact ties: positive and negative with the same vector (never counted: the test is strict).
anchors += ['triplet text 0', 'triplet text 9']
positives += ['triplet text 5', 'triplet text 5']
negatives += ['triplet alias of 5', 'triplet text 5']

for st_kwargs, ts_opts, sim_name in [
    ({'name': 'nli-dev', 'similarity_fn_names': ['cosine', 'dot', 'euclidean', 'manhattan']},
     {'name': 'nli-dev', 'similarityFnNames': ['cosine', 'dot', 'euclidean', 'manhattan']}, 'cosine'),
    ({'name': 'nli-margin', 'margin': 0.1, 'similarity_fn_names': ['cosine', 'euclidean']},
     {'name': 'nli-margin', 'margin': 0.1, 'similarityFnNames': ['cosine', 'euclidean']}, 'cosine'),
    ({'name': 'nli-dict', 'margin': {'cosine': 0.05, 'manhattan': 0.5}, 'main_similarity_function': 'manhattan',
      'similarity_fn_names': ['cosine', 'manhattan', 'dot']},
     {'name': 'nli-dict', 'margin': {'cosine': 0.05, 'manhattan': 0.5}, 'mainSimilarityFunction': 'manhattan',
      'similarityFnNames': ['cosine', 'manhattan', 'dot']}, 'cosine'),
    ({'name': 'nli-model'}, {'name': 'nli-model'}, 'dot'),
    ({}, {}, 'cosine'),
]:
    ev = TripletEvaluator(anchors, positives, negatives, **st_kwargs)
    fixture['cases'].append({
        'evaluator': 'TripletEvaluator',
        'args': {'anchors': anchors, 'positives': positives, 'negatives': negatives},
        'options': ts_opts, 'st_kwargs': st_kwargs, 'modelSimilarityFnName': sim_name, 'table': 'triplet',
        **run_twice(ev, FakeModel(tri_table, sim_name)),
    })

# ---------------------------------------------------------------- BinaryClassificationEvaluator

bin_texts = [f'pair text {i}' for i in range(20)]
bin_table = make_table(bin_texts, aliases={'pair alias of 2': 'pair text 2'})
b1, b2, blabels = [], [], []
for i in range(22):
    b1.append(bin_texts[i % 20])
    b2.append(bin_texts[(i * 3 + 1) % 20])
    blabels.append(int(rng.integers(0, 2)))
# Exact score ties with different labels: the same pair twice, and an alias pair.
b1 += [b1[0], b1[5], 'pair text 11']
b2 += [b2[0], b2[5], 'pair alias of 2']
blabels += [1 - blabels[0], blabels[5], 0]
b1 += ['pair text 11']
b2 += ['pair text 2']
blabels += [1]

for st_kwargs, ts_opts, sim_name in [
    ({'name': 'quora-dev', 'similarity_fn_names': ['cosine', 'dot', 'euclidean', 'manhattan']},
     {'name': 'quora-dev', 'similarityFnNames': ['cosine', 'dot', 'euclidean', 'manhattan']}, 'cosine'),
    ({'name': 'quora-euclid', 'similarity_fn_names': ['euclidean']},
     {'name': 'quora-euclid', 'similarityFnNames': ['euclidean']}, 'cosine'),
    ({'name': 'quora-model'}, {'name': 'quora-model'}, 'manhattan'),
    ({}, {}, 'cosine'),
]:
    ev = BinaryClassificationEvaluator(b1, b2, blabels, **st_kwargs)
    fixture['cases'].append({
        'evaluator': 'BinaryClassificationEvaluator',
        'args': {'sentences1': b1, 'sentences2': b2, 'labels': blabels},
        'options': ts_opts, 'st_kwargs': st_kwargs, 'modelSimilarityFnName': sim_name, 'table': 'binary',
        **run_twice(ev, FakeModel(bin_table, sim_name)),
    })

# ---------------------------------------------------------------- InformationRetrievalEvaluator

# Corpus ids compare as strings ('d10' < 'd2'), and duplicated documents (same vector under several
# ids) give exact score ties that sentence-transformers breaks by ascending corpus id. For those
# ties to be exact in any summation order (torch's BLAS rounds the same dot product differently
# depending on the chunk's shape), the 'ir' vectors have integer components with a norm of 8 (times
# a power of two): normalized components are multiples of 1/8, so every cosine, dot product and
# squared distance is exact. The 'ir-random' dataset has plain random vectors and no duplicates.
NORM8 = [(6, 4, 2, 2, 2), (7, 3, 2, 1, 1), (5, 5, 3, 2, 1), (6, 5, 1, 1, 1), (6, 3, 3, 3, 1), (4, 4, 4, 4, 0), (8, 0, 0, 0, 0)]


def exact_vec():
    base = np.array(NORM8[int(rng.integers(len(NORM8)))], dtype=np.float64)
    v = rng.permutation(base) * rng.choice([-1.0, 1.0], size=DIM) * float(rng.choice([0.5, 1.0, 2.0, 4.0]))
    return [float(x) for x in v]


corpus_ids = [f'd{i}' for i in range(26)]
ir_texts = {cid: f'document number {cid}' for cid in corpus_ids}
doc_table = {ir_texts[cid]: exact_vec() for cid in corpus_ids}
for dup, original in [('d20', 'd2'), ('d21', 'd2'), ('d12', 'd3'), ('d25', 'd10')]:
    doc_table[ir_texts[dup]] = list(doc_table[ir_texts[original]])
query_ids = [f'q{i}' for i in range(9)]
queries = {qid: f'query text {qid}' for qid in query_ids}
query_table = {queries[qid]: exact_vec() for qid in query_ids}
# q1 sits on d2's direction (ties d2/d20/d21 at the top); q3 is d3 (ties with d12).
query_table[queries['q1']] = [v * 2 for v in doc_table[ir_texts['d2']]]
query_table[queries['q3']] = list(doc_table[ir_texts['d3']])
relevant = {
    'q0': ['d1', 'd5', 'd7'],
    'q1': ['d21'],
    'q2': ['d4', 'd9', 'd13', 'd14', 'd15', 'd16', 'd17', 'd18', 'd19', 'd22', 'd23', 'd24'],
    'q3': ['d12', 'd3'],
    'q4': ['d0', 'missing-doc'],
    'q5': [],                 # no relevant docs: skipped, as in sentence-transformers
    'q6': ['d10', 'd25', 'd6'],
    'q7': ['d8'],
    # q8 has no entry at all: skipped
}
ir_table = {**doc_table, **query_table}
ir_args = {'queries': queries, 'corpus': ir_texts, 'relevantDocs': relevant}

random_ids = [f'doc-{i:02d}' for i in range(40)]
random_corpus = {cid: f'random document {cid}' for cid in random_ids}
random_queries = {f'rq{i}': f'random query {i}' for i in range(12)}
random_table = make_table(list(random_corpus.values()) + list(random_queries.values()))
random_relevant = {qid: [str(c) for c in rng.choice(random_ids, size=int(rng.integers(1, 6)), replace=False)] for qid in random_queries}
random_args = {'queries': random_queries, 'corpus': random_corpus, 'relevantDocs': random_relevant}

SCORE_FNS = {'cosine': util.cos_sim, 'dot': util.dot_score, 'euclidean': util.euclidean_sim, 'manhattan': util.manhattan_sim}

for st_kwargs, ts_opts, sim_name, table, args in [
    ({'name': 'ir-dev'}, {'name': 'ir-dev'}, 'cosine', 'ir', ir_args),
    ({'name': 'ir-chunked', 'corpus_chunk_size': 4, 'score_functions': ['dot', 'cosine', 'euclidean', 'manhattan'],
      'mrr_at_k': [3, 10], 'ndcg_at_k': [1, 5, 10], 'accuracy_at_k': [1, 2, 20], 'precision_recall_at_k': [1, 5, 30],
      'map_at_k': [2, 10]},
     {'name': 'ir-chunked', 'corpusChunkSize': 4, 'scoreFunctions': ['dot', 'cosine', 'euclidean', 'manhattan'],
      'mrrAtK': [3, 10], 'ndcgAtK': [1, 5, 10], 'accuracyAtK': [1, 2, 20], 'precisionRecallAtK': [1, 5, 30],
      'mapAtK': [2, 10]}, 'cosine', 'ir', ir_args),
    ({'name': 'ir-main', 'corpus_chunk_size': 7, 'score_functions': ['cosine', 'dot'], 'main_score_function': 'cosine',
      'ndcg_at_k': [3, 5]},
     {'name': 'ir-main', 'corpusChunkSize': 7, 'scoreFunctions': ['cosine', 'dot'], 'mainScoreFunction': 'cosine',
      'ndcgAtK': [3, 5]}, 'cosine', 'ir', ir_args),
    ({'corpus_chunk_size': 5}, {'corpusChunkSize': 5}, 'dot', 'ir', ir_args),
    ({'name': 'ir-random', 'corpus_chunk_size': 6, 'score_functions': ['cosine', 'dot', 'euclidean'],
      'accuracy_at_k': [1, 3], 'precision_recall_at_k': [1, 3, 10], 'mrr_at_k': [5], 'ndcg_at_k': [3, 10], 'map_at_k': [5]},
     {'name': 'ir-random', 'corpusChunkSize': 6, 'scoreFunctions': ['cosine', 'dot', 'euclidean'],
      'accuracyAtK': [1, 3], 'precisionRecallAtK': [1, 3, 10], 'mrrAtK': [5], 'ndcgAtK': [3, 10], 'mapAtK': [5]},
     'cosine', 'ir-random', random_args),
]:
    kwargs = dict(st_kwargs)
    if 'score_functions' in kwargs:
        kwargs['score_functions'] = {n: SCORE_FNS[n] for n in kwargs['score_functions']}
    ev = InformationRetrievalEvaluator(args['queries'], args['corpus'], {q: set(v) for q, v in args['relevantDocs'].items()}, **kwargs)
    tables_for = {'ir': ir_table, 'ir-random': random_table}
    fixture['cases'].append({
        'evaluator': 'InformationRetrievalEvaluator', 'args': args,
        'options': ts_opts, 'st_kwargs': st_kwargs, 'modelSimilarityFnName': sim_name, 'table': table,
        **run_twice(ev, FakeModel(tables_for[table], sim_name)),
    })

# ---------------------------------------------------------------- MSEEvaluator

src = [f'english sentence {i}' for i in range(7)]
tgt = [f'german sentence {i}' for i in range(7)]
teacher_table = make_table(src)
student_table = make_table(tgt)
for st_kwargs, ts_opts in [({'name': 'mse-dev'}, {'name': 'mse-dev'}), ({}, {})]:
    ev = MSEEvaluator(src, tgt, teacher_model=FakeModel(teacher_table), **st_kwargs)
    fixture['cases'].append({
        'evaluator': 'MSEEvaluator', 'args': {'sourceSentences': src, 'targetSentences': tgt},
        'options': ts_opts, 'st_kwargs': st_kwargs, 'modelSimilarityFnName': 'cosine', 'table': 'student',
        'teacherTable': 'teacher', **run_twice(ev, FakeModel(student_table)),
    })

# ---------------------------------------------------------------- SequentialEvaluator

seq_table = {**sts_table, **tri_table}
for main_fn in ['last', 'mean']:
    evs = [
        EmbeddingSimilarityEvaluator(s1, s2, gold, name='seq-sts', similarity_fn_names=['cosine', 'dot']),
        TripletEvaluator(anchors, positives, negatives, name='seq-triplet'),
    ]
    kw = {} if main_fn == 'last' else {'main_score_function': lambda scores: float(np.mean(scores))}
    ev = SequentialEvaluator(evs, **kw)
    fixture['cases'].append({
        'evaluator': 'SequentialEvaluator', 'mainScoreFunction': main_fn,
        'children': [
            {'evaluator': 'EmbeddingSimilarityEvaluator', 'args': {'sentences1': s1, 'sentences2': s2, 'scores': gold},
             'options': {'name': 'seq-sts', 'similarityFnNames': ['cosine', 'dot']}},
            {'evaluator': 'TripletEvaluator', 'args': {'anchors': anchors, 'positives': positives, 'negatives': negatives},
             'options': {'name': 'seq-triplet'}},
        ],
        'modelSimilarityFnName': 'cosine', 'table': 'sequential',
        **run_twice(ev, FakeModel(seq_table)),
    })

fixture['tables'] = {
    'sts': sts_table, 'triplet': tri_table, 'binary': bin_table, 'ir': ir_table, 'ir-random': random_table,
    'teacher': teacher_table, 'student': student_table, 'sequential': seq_table,
}

# Each dataset's arguments once (cases name theirs by `dataset`), one compact line per case.
datasets = {}
for case in fixture['cases']:
    for item in [case, *case.get('children', [])]:
        if 'args' in item:
            key = next((k for k, v in datasets.items() if v == item['args']), None)
            if key is None:
                key = f'{item["evaluator"]}-{len(datasets)}'
                datasets[key] = item['args']
            item['dataset'] = key
            del item['args']
fixture['datasets'] = datasets


def dumps(value):
    return json.dumps(value, separators=(',', ':'), allow_nan=False)


os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, 'w', encoding='utf-8') as f:
    f.write('{\n')
    keys = list(fixture)
    for i, key in enumerate(keys):
        value = fixture[key]
        f.write(f' {json.dumps(key)}: ')
        if isinstance(value, list):
            f.write('[\n' + ',\n'.join('  ' + dumps(v) for v in value) + '\n ]')
        elif isinstance(value, dict) and key != 'versions':
            f.write('{\n' + ',\n'.join(f'  {json.dumps(k)}: {dumps(v)}' for k, v in value.items()) + '\n }')
        else:
            f.write(dumps(value))
        f.write(',\n' if i < len(keys) - 1 else '\n')
    f.write('}\n')
print(f'wrote {os.path.normpath(OUT)}: {len(fixture["cases"])} evaluator cases')
