"""The analysis's folded linear models (nlp.features.LinearBank) give each shipped model its own
pipeline's probabilities, on real texts and on empty and whitespace-only ones."""

from __future__ import annotations

import csv
import gzip
import random

import numpy as np
import pytest
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from nlp import DATA_DIR, MODEL_DIR
from nlp.analyze import _fed_tokens
from nlp.features import LinearBank, foldable, gram_code, predict_proba
from nlp.models import build_classifier, load_model, sentiment_tokens
from nlp.tokenize import analyzer_tokens

KINDS = ("topic", "relevance", "urgency", "sentiment")


@pytest.fixture(scope="module")
def real_texts():
    with gzip.open(DATA_DIR / "relevance_train.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        texts = [r["text"] for r in csv.DictReader(handle)]
    return random.Random(11).sample(texts, 1200) + ["", " ", "a  b", "孝感巷积水", "x", "[哈哈]😭"]


@pytest.fixture(scope="module")
def shipped():
    return {kind: _fed_tokens(load_model(kind, MODEL_DIR)[0]) for kind in KINDS}


def _inputs(kind, texts):
    if kind == "sentiment":
        return [sentiment_tokens(t) for t in texts]
    return [analyzer_tokens(t) or ["<empty>"] for t in texts]


def _same(got: np.ndarray, expected: np.ndarray) -> None:
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() < 1e-6
    # the label can only differ where the pipeline's own top two are equal to rounding
    top_two = np.sort(expected, axis=1)[:, -2:]
    differs = got.argmax(axis=1) != expected.argmax(axis=1)
    assert not (differs & (top_two[:, 1] - top_two[:, 0] > 1e-6)).any()


@pytest.mark.parametrize("kind", KINDS)
def test_shipped_models_give_their_own_probabilities(kind, real_texts, shipped):
    model = shipped[kind]
    assert foldable(model)
    docs = _inputs(kind, real_texts)
    bank = LinearBank(list(shipped.values()))  # one bank of every model: shared tables do not mix them up
    position = list(shipped).index(kind)
    for start in range(0, len(docs), 300):
        part = docs[start:start + 300]
        _same(bank.probabilities(part)[position], model.predict_proba(part))
    _same(predict_proba(model, docs), model.predict_proba(docs))


def test_character_codes_are_one_to_one():
    grams = ["a", "b", "ab", "ba", "aab", "\x00", "\x00a", "a\x00", "中", "中国", "中国人", "\U0010ffff" * 3]
    assert len({gram_code(g) for g in grams}) == len(grams)
    assert max(gram_code(g) for g in grams) < 2 ** 63


def test_logistic_regression_folds_and_other_shapes_are_asked_as_usual(real_texts):
    docs = _inputs("topic", real_texts)
    labels = ["a", "b", "c"] * 40
    regression = build_classifier(calibrated=False).fit(docs[:120], labels)
    assert foldable(regression)
    unfoldable = Pipeline([("identity", FunctionTransformer()), *regression.steps])
    assert not foldable(unfoldable)
    bank = LinearBank([regression, unfoldable])
    folded, asked = bank.probabilities(docs[120:400])
    _same(folded, regression.predict_proba(docs[120:400]))
    assert np.array_equal(asked, unfoldable.predict_proba(docs[120:400]))


def test_an_empty_batch_and_an_empty_bank():
    model = _fed_tokens(load_model("relevance", MODEL_DIR)[0])
    assert LinearBank([model]).probabilities([])[0].shape == (0, 2)
    assert LinearBank([]).probabilities([["任何"]]) == []


def test_tokens_holding_runs_of_spaces_are_folded_as_scikit_learn_folds_them():
    model = _fed_tokens(load_model("relevance", MODEL_DIR)[0])
    docs = [["孝感巷", "积水  严重"], ["x"], ["路灯 \t 不亮", "  "], ["正常"]]
    _same(LinearBank([model]).probabilities(docs)[0], model.predict_proba(docs))


def test_a_vocabulary_without_bigrams_and_tokens_holding_the_bigram_joint():
    """Word bigrams are found by token numbers: no bigram in the vocabulary, and tokens holding the
    "_" that joins a bigram's two tokens, give the pipeline's own answers."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion

    from nlp.models import joined, with_bigrams

    def layout(word_vectorizer):
        return Pipeline([("features", FeatureUnion([
            ("words", word_vectorizer),
            ("chars", TfidfVectorizer(analyzer="char", preprocessor=joined, ngram_range=(1, 3), sublinear_tf=True))])),
            ("classify", LogisticRegression())])

    docs = [["路灯", "_", "不亮"], ["路灯_不亮"], ["a_b", "c"], ["a", "b_c"], ["积水", "严重"], ["x_"], ["_", "_"]] * 4
    labels = ["a", "b"] * 14
    # trained on one token per text, its vocabulary has no bigram for the pairs of known tokens it meets
    single = layout(TfidfVectorizer(analyzer=with_bigrams, sublinear_tf=True)).fit([[t] for t in "甲乙丙丁" * 3], list("ab" * 6))
    pairs = [["甲", "乙"], ["丙", "丁", "甲"], ["戊"]]
    _same(LinearBank([single]).probabilities(pairs)[0], single.predict_proba(pairs))
    with_joints = layout(TfidfVectorizer(analyzer=with_bigrams, sublinear_tf=True)).fit(docs, labels)
    assert foldable(with_joints)
    tests = [["路灯", "_", "不亮"], ["a", "b", "c"], ["a_b", "c"], ["_", "_", "_"], ["新词"], ["路灯_不亮", "x_"]]
    _same(LinearBank([with_joints]).probabilities(tests)[0], with_joints.predict_proba(tests))
