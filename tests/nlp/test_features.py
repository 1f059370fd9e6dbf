"""The batch TF-IDF of nlp.features gives each shipped model exactly the probabilities of its own
pipeline, on real texts (and on empty and whitespace-only ones)."""

from __future__ import annotations

import csv
import gzip
import random

import numpy as np
import pytest

from nlp import DATA_DIR, MODEL_DIR
from nlp.features import Grams, Lexicon, fast_shape, gram_code, predict_proba
from nlp.models import build_classifier, load_model
from nlp.tokenize import analyzer_tokens


@pytest.fixture(scope="module")
def token_batch():
    with gzip.open(DATA_DIR / "relevance_train.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        texts = [r["text"] for r in csv.DictReader(handle)]
    texts = random.Random(11).sample(texts, 1200)
    batch = [analyzer_tokens(t) or ["<empty>"] for t in texts]
    return batch + [["<empty>"], ["a  b"], ["孝感巷", "积水"], ["x"]]


@pytest.fixture(scope="module")
def shipped():
    models = {kind: load_model(kind, MODEL_DIR)[0] for kind in ("topic", "relevance", "sentiment")}
    return models, Lexicon(list(models.values()))


@pytest.mark.parametrize("kind", ["topic", "relevance", "sentiment"])
def test_shipped_models_give_their_own_probabilities(kind, token_batch, shipped):
    models, lexicon = shipped
    model = models[kind]
    assert fast_shape(model)
    for start in range(0, len(token_batch), 300):
        part = token_batch[start:start + 300]
        expected = model.predict_proba(part)
        assert np.array_equal(predict_proba(model, part, Grams(part, lexicon)), expected)
        assert np.array_equal(predict_proba(model, part, Grams(part)), expected)
    assert np.array_equal(predict_proba(model, token_batch), model.predict_proba(token_batch))


def test_character_codes_are_one_to_one():
    grams = ["a", "b", "ab", "ba", "aab", "\x00", "\x00a", "a\x00", "中", "中国", "中国人", "\U0010ffff" * 3]
    assert len({gram_code(g) for g in grams}) == len(grams)
    assert max(gram_code(g) for g in grams) < 2 ** 63


def test_other_shapes_are_asked_as_usual(token_batch):
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    labels = ["a", "b"] * 30
    model = build_classifier(calibrated=False).fit(token_batch[:60], labels)
    assert fast_shape(model)
    assert np.array_equal(predict_proba(model, token_batch[60:90]), model.predict_proba(token_batch[60:90]))
    unfitted_shape = Pipeline([("identity", FunctionTransformer()), ("classify", model.steps[-1][1])])
    assert not fast_shape(unfitted_shape)
