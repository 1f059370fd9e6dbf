"""The models' TF-IDF features for a whole batch at once, for the analysis.

The topic, relevance and emergency pipelines each count word uni/bigrams and character 1–3-grams
of the same tokens (the sentiment pipeline of its own tokens) with scikit-learn's per-document
Python loop: two passes per model over every text. Here
the n-grams of a batch are made once, looked up in each vocabulary in bulk and counted with sparse
matrix code, then weighted exactly as `TfidfTransformer.transform` does (sublinear tf, idf, l2) and
given to the pipeline's own classifier. The features are equal to the pipeline's, value for value
(tests/nlp/test_features.py); a pipeline of any other shape is asked for `predict_proba` as usual."""

from __future__ import annotations

import re
from itertools import repeat

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import normalize

from nlp.models import joined, with_bigrams

_WHITE_SPACES = re.compile(r"\s\s+")  # as scikit-learn's char analyzer folds them


def _char_grams(text: str) -> list[str]:
    if _WHITE_SPACES.search(text):
        text = _WHITE_SPACES.sub(" ", text)
    n = len(text)
    return [*text, *[text[i:i + 2] for i in range(n - 1)], *[text[i:i + 3] for i in range(n - 2)]]


def _word_layout(vectorizer) -> bool:
    return (isinstance(vectorizer, TfidfVectorizer) and vectorizer.analyzer is with_bigrams
            and vectorizer.vocabulary_ is not None)


def _char_layout(vectorizer) -> bool:
    return (isinstance(vectorizer, TfidfVectorizer) and vectorizer.analyzer == "char"
            and vectorizer.preprocessor is joined and tuple(vectorizer.ngram_range) == (1, 3))


def fast_shape(model) -> bool:
    """A pipeline `[steps that pass token lists] → FeatureUnion(words, chars) → classifier` of
    `nlp.models`, fitted, without feature weights: the shape this module reproduces."""
    if not isinstance(model, Pipeline) or "features" not in model.named_steps:
        return False
    union = model.named_steps["features"]
    if not isinstance(union, FeatureUnion) or union.transformer_weights or len(union.transformer_list) != 2:
        return False
    (_, words), (_, chars) = union.transformer_list
    if not (_word_layout(words) and _char_layout(chars)):
        return False
    return all(getattr(v, "input", "content") == "content" and not v.binary and v.norm in ("l2", "l1", None)
               and hasattr(v, "vocabulary_") for v in (words, chars))


def _kind(vectorizer) -> str:
    return "words" if _word_layout(vectorizer) else "chars"


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
        value = np.zeros(len(points) - n + 1, dtype=np.uint64)
        for k in range(n):
            value = (value << np.uint64(_BITS)) | points[k:len(points) - n + 1 + k]
        row = rows[:len(points) - n + 1]
        inside = row == rows[n - 1:]  # the n-gram does not run into the next text
        codes.append(value[inside])
        owners.append(row[inside])
    if not codes:
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int32)
    return np.concatenate(codes), np.concatenate(owners)


class Lexicon:
    """One vocabulary per n-gram kind over several models, so a batch's n-grams are looked up once
    and each model's columns are an array lookup (`remap[id]`, -1 where the model lacks the n-gram).
    Character n-grams are integers (code points, 21 bits each, and the length), looked up in a
    sorted array by `np.searchsorted` for the whole batch."""

    def __init__(self, models) -> None:
        self.index: dict[str, dict[str, int]] = {"words": {}, "chars": {}}
        self._remap: dict[int, np.ndarray] = {}
        self._vectorizers = []  # kept so the ids in _remap stay theirs
        for model in models:
            if not fast_shape(model):
                continue
            for _, vectorizer in model.named_steps["features"].transformer_list:
                index = self.index[_kind(vectorizer)]
                for gram in vectorizer.vocabulary_:
                    index.setdefault(gram, len(index))
                self._vectorizers.append(vectorizer)
        # the character index in code order, so a batch's codes find their place by binary search
        chars = sorted(self.index["chars"], key=gram_code)
        self.char_codes = np.fromiter(map(gram_code, chars), dtype=np.uint64, count=len(chars))
        self.index["chars"] = {gram: i for i, gram in enumerate(chars)}
        for vectorizer in self._vectorizers:
            index = self.index[_kind(vectorizer)]
            remap = np.full(len(index) + 1, -1, dtype=np.int64)  # the last slot is "in no vocabulary"
            for gram, column in vectorizer.vocabulary_.items():
                remap[index[gram]] = column
            self._remap[id(vectorizer)] = remap
        del self.index["chars"]  # only needed to build the remaps; a batch finds chars by code

    def remap(self, vectorizer) -> np.ndarray | None:
        return self._remap.get(id(vectorizer))


class Grams:
    """The word and character n-grams of one batch of token lists, made (and looked up in the
    lexicon) once for every model."""

    def __init__(self, docs: list[list[str]], lexicon: Lexicon | None = None) -> None:
        self.docs = docs
        self.lexicon = lexicon
        self._cache: dict[str, tuple[list[str], np.ndarray]] = {}
        self._ids: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def of(self, kind: str) -> tuple[list[str], np.ndarray]:
        """(every n-gram of the batch in order, the row each belongs to)."""
        if kind not in self._cache:
            make = with_bigrams if kind == "words" else (lambda tokens: _char_grams(joined(tokens)))
            grams: list[str] = []
            sizes = np.empty(len(self.docs), dtype=np.int64)
            for i, doc in enumerate(self.docs):
                items = make(doc)
                grams += items
                sizes[i] = len(items)
            self._cache[kind] = grams, np.repeat(np.arange(len(self.docs), dtype=np.int32), sizes)
        return self._cache[kind]

    def columns(self, vectorizer) -> tuple[np.ndarray, np.ndarray]:
        """(column of each n-gram in the vectorizer's vocabulary or -1, its row)."""
        kind = _kind(vectorizer)
        remap = self.lexicon.remap(vectorizer) if self.lexicon is not None else None
        if remap is None:
            grams, rows = self.of(kind)
            return _lookup(vectorizer.vocabulary_, grams), rows
        if kind not in self._ids:
            self._ids[kind] = self._char_ids(len(remap) - 1) if kind == "chars" else \
                (_lookup(self.lexicon.index[kind], self.of(kind)[0], missing=len(remap) - 1), self.of(kind)[1])
        ids, rows = self._ids[kind]
        return remap[ids], rows

    def _char_ids(self, missing: int) -> tuple[np.ndarray, np.ndarray]:
        texts = [joined(doc) for doc in self.docs]
        texts = [_WHITE_SPACES.sub(" ", t) if _WHITE_SPACES.search(t) else t for t in texts]
        codes, rows = _batch_codes(texts)
        known = self.lexicon.char_codes
        place = np.searchsorted(known, codes)
        place[place == len(known)] = 0
        found = known[place] == codes if len(known) else np.zeros(len(codes), dtype=bool)
        return np.where(found, place, missing), rows


def _lookup(vocabulary: dict[str, int], grams: list[str], missing: int = -1) -> np.ndarray:
    return np.fromiter(map(vocabulary.get, grams, repeat(missing)), dtype=np.int64, count=len(grams))


def _tfidf(vectorizer: TfidfVectorizer, columns: np.ndarray, rows: np.ndarray, n_docs: int):
    known = columns >= 0
    counts = sp.csr_array((np.ones(int(known.sum()), dtype=vectorizer.dtype), (rows[known], columns[known])),
                          shape=(n_docs, len(vectorizer.vocabulary_)), dtype=vectorizer.dtype)
    counts.sum_duplicates()
    counts.sort_indices()
    # TfidfTransformer.transform, step for step
    if vectorizer.sublinear_tf:
        np.log(counts.data, counts.data)
        counts.data += 1.0
    if vectorizer.use_idf:
        counts.data *= vectorizer.idf_[counts.indices]
    if vectorizer.norm is not None:
        counts = normalize(counts, norm=vectorizer.norm, copy=False)
    return counts


def predict_proba(model, docs: list[list[str]], grams: Grams | None = None) -> np.ndarray:
    """`model.predict_proba(docs)` for a batch of token lists; `grams` shares the n-grams between
    models fed the same lists."""
    if not fast_shape(model):
        return model.predict_proba(docs)
    steps = list(model.named_steps)
    inputs = docs
    for name in steps[:steps.index("features")]:
        inputs = model.named_steps[name].transform(inputs)
    if grams is None or inputs != grams.docs:
        grams = Grams([list(d) for d in inputs], grams.lexicon if grams is not None else None)
    union = model.named_steps["features"]
    parts = [_tfidf(vectorizer, *grams.columns(vectorizer), len(inputs)) for _, vectorizer in union.transformer_list]
    features = sp.hstack(parts).tocsr()
    return model.steps[-1][1].predict_proba(features)
