"""The analysis's fast path through the shipped models: several linear pipelines that read the same
token lists, folded into two tables and applied to a whole batch with a few sparse products.

Every shipped model is `[steps that pass token lists] → FeatureUnion(word uni/bigrams TF-IDF,
character 1–3-gram TF-IDF) → linear classifier` (a sigmoid-calibrated linear SVM or a logistic
regression). Scikit-learn would count the n-grams of every text once per model and vectorizer in a
Python loop, build a sparse matrix per model, normalise it and multiply it by the coefficients. A
linear score over l2-normalised TF-IDF blocks can be taken apart instead:

    score_k = Σ_block  Σ_g tf_g · (idf_g · w_gk)  /  sqrt(Σ_g (tf_g · idf_g)²)  + b_k

so `LinearBank` keeps, for every n-gram of any model's vocabulary, the products idf·w of every model
(one column per class score) and idf² (one column per model), and a batch needs its n-grams counted
once and two sparse × dense products per block, whatever the number of models. The probabilities
are the models' own up to floating-point rounding (float64 here, float32 in the vectorizers; equal
within 1e-6, tests/nlp/test_features.py). A model of any other shape is asked for `predict_proba`."""

from __future__ import annotations

import re
from itertools import chain, repeat
from weakref import WeakKeyDictionary

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import expit, softmax
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from nlp.models import joined, with_bigrams

_WHITE_SPACES = re.compile(r"\s\s+")  # as scikit-learn's char analyzer folds them
BLOCKS = ("words", "chars")


def _word_layout(vectorizer) -> bool:
    return (isinstance(vectorizer, TfidfVectorizer) and vectorizer.analyzer is with_bigrams
            and getattr(vectorizer, "vocabulary_", None) is not None)


def _char_layout(vectorizer) -> bool:
    return (isinstance(vectorizer, TfidfVectorizer) and vectorizer.analyzer == "char"
            and vectorizer.preprocessor is joined and tuple(vectorizer.ngram_range) == (1, 3)
            and getattr(vectorizer, "vocabulary_", None) is not None)


def _vectorizers(model) -> tuple[TfidfVectorizer, TfidfVectorizer] | None:
    """(words, chars) of a fitted pipeline of the shipped layout with sublinear, idf-weighted,
    l2-normalised blocks; None for any other layout."""
    if not isinstance(model, Pipeline) or "features" not in model.named_steps:
        return None
    union = model.named_steps["features"]
    if not isinstance(union, FeatureUnion) or union.transformer_weights or len(union.transformer_list) != 2:
        return None
    (_, words), (_, chars) = union.transformer_list
    if not (_word_layout(words) and _char_layout(chars)):
        return None
    if not all(v.sublinear_tf and v.use_idf and v.norm == "l2" and not v.binary
               and getattr(v, "input", "content") == "content" for v in (words, chars)):
        return None
    return words, chars


def _linear_part(classifier) -> tuple[np.ndarray, np.ndarray] | None:
    """(coefficients k × features, intercepts k) of the scores the classifier turns into probabilities."""
    if isinstance(classifier, CalibratedClassifierCV):
        fitted = getattr(classifier, "calibrated_classifiers_", None)
        if not fitted or len(fitted) != 1 or fitted[0].method != "sigmoid":
            return None
        estimator = fitted[0].estimator
        if not isinstance(estimator, (LinearSVC, LogisticRegression)) or \
                not np.array_equal(estimator.classes_, fitted[0].classes):
            return None
        return np.asarray(estimator.coef_, dtype=np.float64), np.asarray(estimator.intercept_, dtype=np.float64)
    if isinstance(classifier, LogisticRegression) and hasattr(classifier, "coef_"):
        return np.asarray(classifier.coef_, dtype=np.float64), np.asarray(classifier.intercept_, dtype=np.float64)
    return None


def foldable(model) -> bool:
    """A fitted pipeline `LinearBank` can fold: the shipped feature layout before a calibrated linear
    SVM or a logistic regression, with no step before the features (it reads the token lists)."""
    return (isinstance(model, Pipeline) and list(model.named_steps)[0] == "features"
            and _vectorizers(model) is not None and _linear_part(model.steps[-1][1]) is not None)


def probabilities_from_scores(classifier, scores: np.ndarray) -> np.ndarray:
    """The classifier's `predict_proba` given its decision scores (n × k; k = 1 for two classes)."""
    if isinstance(classifier, CalibratedClassifierCV):
        fitted = classifier.calibrated_classifiers_[0]
        n_classes = len(fitted.classes)
        proba = np.zeros((scores.shape[0], n_classes))
        for column, calibrator in enumerate(fitted.calibrators):
            proba[:, column + 1 if n_classes == 2 else column] = expit(-(calibrator.a_ * scores[:, column]
                                                                         + calibrator.b_))
        if n_classes == 2:
            proba[:, 0] = 1.0 - proba[:, 1]
        else:
            total = proba.sum(axis=1, keepdims=True)
            proba = np.divide(proba, total, out=np.full_like(proba, 1 / n_classes), where=total != 0)
        proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
        return proba
    if scores.shape[1] == 1:
        positive = expit(scores[:, 0])
        return np.column_stack([1 - positive, positive])
    return softmax(scores, axis=1)


_BITS = 21  # code point + 1 is 1..0x110000, under 2**21: three fit in 63 bits


def gram_code(gram: str) -> int:
    """A character n-gram (1–3 characters) as one integer: equal codes ⇔ equal n-grams (no digit is
    zero, so n-grams of different lengths cannot meet)."""
    value = 0
    for char in gram:
        value = (value << _BITS) | (ord(char) + 1)
    return value


def _batch_codes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(code of every character 1-, 2- and 3-gram of each text, the row each belongs to), in one
    pass of array arithmetic over the texts joined end to end."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    points = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64) + np.uint64(1)
    rows = np.repeat(np.arange(len(texts), dtype=np.int32), lengths)
    codes, owners = [], []
    for n in (1, 2, 3):
        if len(points) < n:
            break
        value = points[:len(points) - n + 1].copy()
        for k in range(1, n):
            value = (value << np.uint64(_BITS)) | points[k:len(points) - n + 1 + k]
        row = rows[:len(points) - n + 1]
        inside = row == rows[n - 1:]  # the n-gram does not run into the next text
        codes.append(value[inside])
        owners.append(row[inside])
    if not codes:
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int32)
    return np.concatenate(codes), np.concatenate(owners)


class _WordTable:
    """Word uni- and bigrams of token lists → column ids without making a bigram string: every token
    of a vocabulary entry gets a number, a bigram is looked up by the pair of numbers, all at once.
    A bigram entry is the string f"{a}_{b}"; when a token holds "_" itself the split is ambiguous,
    so every split is registered: any pair whose joined string equals the entry is that entry, just
    as scikit-learn compares the strings."""

    def __init__(self, index: dict[str, int]) -> None:
        self.tokens: dict[str, int] = {}
        unigrams: dict[int, int] = {}
        pairs: list[tuple[int, int, int]] = []
        number = self.tokens.setdefault
        for gram, column in index.items():
            unigrams[number(gram, len(self.tokens))] = column
            at = gram.find("_", 1)
            while 0 < at < len(gram) - 1:
                pairs.append((number(gram[:at], len(self.tokens)), number(gram[at + 1:], len(self.tokens)), column))
                at = gram.find("_", at + 1)
        # the last slot answers for tokens no vocabulary knows (number -1)
        self.unigram = np.full(len(self.tokens) + 1, -1, dtype=np.int64)
        self.unigram[list(unigrams)] = list(unigrams.values())
        pairs_array = np.array(pairs, dtype=np.int64).reshape(-1, 3)
        self.bigrams = pd.Index(pairs_array[:, 0] * len(self.tokens) + pairs_array[:, 1])
        self.bigram_column = np.append(pairs_array[:, 2], -1)  # a lookup's -1 lands on the last slot

    def columns(self, docs: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """(column of every unigram and bigram occurrence, or -1; the row each belongs to)."""
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        flat = list(chain.from_iterable(docs))
        numbers = np.fromiter(map(self.tokens.get, flat, repeat(-1)), dtype=np.int64, count=len(flat))
        rows = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
        left, right = numbers[:-1], numbers[1:]
        pair = (rows[:-1] == rows[1:]) & (left >= 0) & (right >= 0)
        bigram_columns = self.bigram_column[self.bigrams.get_indexer(left[pair] * len(self.tokens) + right[pair])]
        return np.concatenate([self.unigram[numbers], bigram_columns]), np.concatenate([rows, rows[:-1][pair]])


def _counts(ids: np.ndarray, rows: np.ndarray, n_docs: int, size: int) -> sp.csr_array:
    """Sublinear term frequencies (1 + log count) of the known ids (≥ 0), one row per text; counted
    by hashing (row, id) pairs, which is several times faster than scipy's sort-and-sum."""
    known = ids >= 0
    keys = rows[known].astype(np.int64) * size + ids[known]
    numbers, unique = pd.factorize(keys)
    tf = np.bincount(numbers).astype(np.float64)
    np.log(tf, out=tf)
    tf += 1.0
    owner = unique // size
    order = np.argsort(owner.astype(np.int32), kind="stable")  # rows in order; a row's columns need none
    unique, tf, owner = unique[order], tf[order], owner[order]
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=n_docs), out=indptr[1:])
    return sp.csr_array((tf, unique % size, indptr), shape=(n_docs, size))


def _char_texts(docs: list[list[str]]) -> list[str]:
    texts = [joined(doc) for doc in docs]
    if not _WHITE_SPACES.search("".join(texts)):  # one scan of the batch: runs of spaces are rare
        return texts
    return [_WHITE_SPACES.sub(" ", t) for t in texts]


class LinearBank:
    """The foldable models among `models`, which all read the same token lists, folded into one
    table per n-gram block; `probabilities(docs)` gives every model's `predict_proba(docs)`."""

    def __init__(self, models) -> None:
        self.models = list(models)
        # (model, (words, chars) vectorizers, (coefficients, intercepts)) of each model the bank folds
        folded = [(m, _vectorizers(m), _linear_part(m.steps[-1][1])) for m in self.models if foldable(m)]
        self._columns: dict[int, slice] = {}  # id(model) → its score columns in the tables
        self._slot: dict[int, int] = {}  # id(model) → its norm column
        indexes: tuple[dict[str, int], dict[str, int]] = ({}, {})  # n-gram → row of the table, per block
        for _, vectorizers, _ in folded:
            for index, vectorizer in zip(indexes, vectorizers, strict=True):
                for gram in vectorizer.vocabulary_:
                    index.setdefault(gram, len(index))
        self.word_index, char_index = indexes
        self._words = _WordTable(self.word_index)
        # a batch's character n-grams are looked up by integer code, all at once
        self._char_lookup = pd.Index(np.fromiter(map(gram_code, char_index), dtype=np.uint64, count=len(char_index)))
        width = sum(coef.shape[0] for _, _, (coef, _) in folded)
        sizes = {block: len(index) for block, index in zip(BLOCKS, indexes, strict=True)}
        self._weights = {block: np.zeros((size, width)) for block, size in sizes.items()}
        self._idf2 = {block: np.zeros((size, max(len(folded), 1))) for block, size in sizes.items()}
        self._intercepts = np.zeros(width)
        start = 0
        for slot, (model, vectorizers, (coef, intercept)) in enumerate(folded):
            columns = slice(start, start + coef.shape[0])
            self._columns[id(model)], self._slot[id(model)] = columns, slot
            self._intercepts[columns] = intercept
            offset = 0  # the chars block's coefficients follow the words block's
            for block, vectorizer, index in zip(BLOCKS, vectorizers, indexes, strict=True):
                grams, features = zip(*vectorizer.vocabulary_.items(), strict=True) if vectorizer.vocabulary_ else ((), ())
                rows = np.fromiter(map(index.__getitem__, grams), dtype=np.int64, count=len(grams))
                features = np.asarray(features, dtype=np.int64)
                idf = np.asarray(vectorizer.idf_, dtype=np.float64)[features]
                self._weights[block][rows, columns] = (coef[:, offset + features] * idf).T
                self._idf2[block][rows, slot] = idf ** 2
                offset += len(vectorizer.vocabulary_)
            start = columns.stop

    def _tf(self, docs: list[list[str]], block: str) -> sp.csr_array:
        """Sublinear term frequencies of the block's known n-grams, one row per text."""
        if block == "words":
            ids, rows = self._words.columns(docs)
            return _counts(ids, rows, len(docs), len(self.word_index))
        codes, rows = _batch_codes(_char_texts(docs))
        # a hash lookup of every code at once: -1 where no model knows the n-gram
        return _counts(self._char_lookup.get_indexer(codes), rows, len(docs), len(self._char_lookup))

    def probabilities(self, docs: list[list[str]]) -> list[np.ndarray]:
        """Every model's `predict_proba(docs)`, in the order the bank was given them."""
        scores = np.tile(self._intercepts, (len(docs), 1))
        if self._columns and docs:
            for block in BLOCKS:
                tf = self._tf(docs, block)
                part = np.asarray(tf @ self._weights[block])
                tf.data **= 2
                norm = np.sqrt(np.asarray(tf @ self._idf2[block]))
                # a text with none of a model's n-grams has a zero block, as l2-normalising leaves it
                inverse = np.divide(1.0, norm, out=np.zeros_like(norm), where=norm > 0)
                for model_id, columns in self._columns.items():
                    scores[:, columns] += part[:, columns] * inverse[:, self._slot[model_id], None]
        out = []
        for model in self.models:
            columns = self._columns.get(id(model))
            if columns is None:
                out.append(model.predict_proba(docs))
            else:
                out.append(probabilities_from_scores(model.steps[-1][1], scores[:, columns]))
        return out


_SINGLE_BANKS: WeakKeyDictionary = WeakKeyDictionary()  # a model's own bank, built once (~1 s for a big model)


def predict_proba(model, docs: list[list[str]], bank: LinearBank | None = None) -> np.ndarray:
    """`model.predict_proba(docs)` for a batch of token lists, through `bank` when it holds the model."""
    if bank is None or not any(m is model for m in bank.models):
        bank = _SINGLE_BANKS.get(model)
        if bank is None:
            bank = _SINGLE_BANKS[model] = LinearBank([model])
    return bank.probabilities(docs)[[i for i, m in enumerate(bank.models) if m is model][0]]
