"""Tokenisation with jieba. Module-level functions (a bound jieba method cannot be pickled), a
user dictionary from the region profile, and the stop-word list of the training data."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache

import jieba

from nlp import DATA_DIR
from nlp.normalize import clean

jieba.setLogLevel(logging.WARNING)
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]")
_added_words: set[str] = set()


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    return frozenset(w.strip() for w in (DATA_DIR / "stop_words.txt").read_text(encoding="utf-8").splitlines() if w.strip())


def add_user_words(words: Iterable[str], freq: int = 20000) -> int:
    """Teach jieba the profile's places and units, so 开元街道 or 鲤城区行政服务中心 stay one token."""
    added = 0
    for word in words:
        word = word.strip()
        if len(word) >= 2 and word not in _added_words:
            jieba.add_word(word, freq=freq)
            _added_words.add(word)
            added += 1
    return added


def cut(text: str) -> list[str]:
    """All word tokens of a cleaned text (no whitespace or punctuation)."""
    return [t for t in jieba.lcut(text) if _WORDLIKE.search(t)]


def content_tokens(text: str) -> list[str]:
    """Tokens without stop words: the form the training data was published in."""
    stops = stop_words()
    return [t for t in cut(text) if t not in stops]


def analyzer_tokens(text: str) -> list[str]:
    """The tokenizer of every model: normalise, cut, drop stop words (picklable)."""
    return content_tokens(clean(text))


def identity(tokens):
    """For vectorizers fed with pre-cut tokens (the analysis cuts once and reuses the tokens)."""
    return tokens
