"""Tokenisation with jieba, a user dictionary from the region profile (places, units, roads,
landmarks) and the stop-word list the training data was published with.

`Tokenizer` owns its own jieba dictionary, so two profiles in one process never teach each other
their place names, and it pickles by its word list (a jieba.Tokenizer holds a lock and cannot)."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from functools import lru_cache

import jieba

from nlp import DATA_DIR
from nlp.normalize import clean

jieba.setLogLevel(logging.WARNING)
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]")
_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")
USER_WORD_FREQ = 20000
_build_lock = threading.Lock()


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    return frozenset(w.strip() for w in (DATA_DIR / "stop_words.txt").read_text(encoding="utf-8").splitlines() if w.strip())


def rejoin(segmented: str) -> str:
    """Undo a published segmentation ("小区 物业 乱收费" → "小区物业乱收费"): spaces next to a
    Chinese character go, spaces between Latin words stay. Training text then goes through the very
    same cut as raw text at prediction time."""
    return _CJK_GAP.sub("", segmented or "")


@lru_cache(maxsize=8)
def _jieba_for(words: frozenset[str]) -> jieba.Tokenizer:
    with _build_lock:
        jieba.dt.check_initialized()
        tokenizer = jieba.Tokenizer()
        # share the main dictionary's frequencies instead of re-reading the cache file (~1 s each)
        tokenizer.FREQ, tokenizer.total = dict(jieba.dt.FREQ), jieba.dt.total
        tokenizer.initialized = True
        for word in sorted(words):
            tokenizer.add_word(word, freq=USER_WORD_FREQ)
        return tokenizer


class Tokenizer:
    """jieba plus user words. Picklable; equal word lists share one dictionary in a process."""

    def __init__(self, user_words: Iterable[str] = ()) -> None:
        self.user_words = frozenset(w.strip() for w in user_words if len(w.strip()) >= 2)
        self._jieba = _jieba_for(self.user_words) if self.user_words else jieba.dt

    def __reduce__(self):
        return (Tokenizer, (sorted(self.user_words),))

    def cut(self, text: str) -> list[str]:
        """All word tokens of a cleaned text (no whitespace or punctuation)."""
        return [t for t in self._jieba.lcut(text) if _WORDLIKE.search(t)]

    def content_tokens(self, text: str) -> list[str]:
        """Tokens without stop words: the form the topic training data was published in."""
        stops = stop_words()
        return [t for t in self.cut(text) if t not in stops]

    def __call__(self, text: str) -> list[str]:
        """Raw text → content tokens (normalise, cut, drop stop words)."""
        return self.content_tokens(clean(text))


@lru_cache(maxsize=1)
def default_tokenizer() -> Tokenizer:
    return Tokenizer()


def for_profile(profile) -> Tokenizer:
    """The profile's tokenizer: its gazetteer names and unit names are user words."""
    words = [p.name for p in profile.places] + [u.name for u in profile.units.values()]
    words += [name for u in profile.units.values() for name in u.jurisdiction]
    return Tokenizer(words)


def cut(text: str) -> list[str]:
    return default_tokenizer().cut(text)


def content_tokens(text: str) -> list[str]:
    return default_tokenizer().content_tokens(text)


def analyzer_tokens(text: str) -> list[str]:
    """Raw text → content tokens with the plain dictionary (what the models are trained on)."""
    return default_tokenizer()(text)
