"""Tokenisation with jieba, a user dictionary from the region profile (places, units, roads,
landmarks) and the stop-word list the training data was published with.

The cut is jieba's (0.42.1). It runs on rjieba (jieba-rs: the same dictionary, route and HMM, ~20×
faster) when that is installed, and on jieba itself otherwise. Three things make rjieba's tokens
jieba's (proved over real messages in tests/nlp/test_tokenize_rjieba.py):
- jieba's HMM step splits a run without Chinese ("7-9" → "7", "-", "9"); jieba-rs keeps it whole;
- jieba counts a user word's frequency into its total even when the word was already in the
  dictionary, and the total scales every word's probability;
- two cuts of exactly equal probability (a permutation of the same words, as in "刷刷刷" or
  "拖布拖坏") are decided by floating-point rounding, which differs between the two; the texts where
  that can happen (a character three times in a row, or XYX where XY and YX are words of the same
  frequency) go to jieba itself (about 1% of real messages).

`Tokenizer` owns its own dictionary, so two profiles in one process never teach each other their
place names, and it pickles by its word list (a jieba.Tokenizer holds a lock and cannot)."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import jieba
from jieba.finalseg import re_skip as _HMM_SKIP

from nlp import DATA_DIR
from nlp.memo import TokenMemo
from nlp.normalize import clean

try:
    import rjieba
except ImportError:  # optional speed-up; jieba gives the same tokens
    rjieba = None

jieba.setLogLevel(logging.WARNING)
_WORDLIKE = re.compile(r"[\w\u4e00-\u9fff]")
_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")
# two neighbouring characters of jieba's non-Chinese word characters: only then can a cut hold a
# multi-character token without Chinese (where jieba-rs and jieba may differ)
_LATIN_PAIR = re.compile(r"[a-zA-Z0-9+#&._%\-]{2}")
_HAN = re.compile("[\u4e00-\u9fd5]")
# where a tie between two cuts is possible (see the module docstring)
_XYX = re.compile("(?=([\u4e00-\u9fd5])([\u4e00-\u9fd5])\\1)")
USER_WORD_FREQ = 20000
# never occurs in a cut (private-use characters are outside jieba's word characters); carries the
# frequency jieba counts twice in its total when a user word is already a dictionary word
_TOTAL_FILLER = "\ue000\ue001"
ENGINES = ("rjieba", "jieba")
_build_lock = threading.Lock()


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    return frozenset(w.strip() for w in (DATA_DIR / "stop_words.txt").read_text(encoding="utf-8").splitlines() if w.strip())


def rejoin(segmented: str) -> str:
    """Undo a published segmentation ("小区 物业 乱收费" → "小区物业乱收费"): spaces next to a
    Chinese character go, spaces between Latin words stay. Training text then goes through the very
    same cut as raw text at prediction time."""
    return _CJK_GAP.sub("", segmented or "")


def default_engine() -> str:
    return "rjieba" if rjieba is not None else "jieba"


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


def _python_jieba(words: frozenset[str]) -> jieba.Tokenizer:
    if not words:
        jieba.dt.check_initialized()
        return jieba.dt
    return _jieba_for(words)


def _dict_path() -> Path:
    return Path(jieba.__file__).resolve().parent / jieba.DEFAULT_DICT_NAME


def _dict_entries():
    with _dict_path().open(encoding="utf-8") as handle:
        for line in handle:
            word, value = line.split(" ", 2)[:2]
            yield word, int(value)


@lru_cache(maxsize=1)
def _dictionary() -> tuple[frozenset[str], frozenset[str]]:
    """From jieba's main dictionary: the two-character words XY whose reverse YX is a word of the
    same frequency (the XYX tie test), and the words without Chinese that jieba's HMM step would
    split ("C++"), which jieba-rs may also return whole from that step."""
    pairs: dict[str, int] = {}
    ambiguous = set()
    for word, freq in _dict_entries():
        if len(word) == 2 and freq:
            pairs[word] = freq
        if freq and len(word) > 1 and not _HAN.search(word) and _hmm_pieces(word) != [word]:
            ambiguous.add(word)
    symmetric = frozenset(w for w, f in pairs.items() if pairs.get(w[::-1]) == f)
    return symmetric, frozenset(ambiguous)


def _hmm_pieces(run: str) -> list[str]:
    """How jieba's HMM step cuts a run without Chinese characters ("7-9" → "7", "-", "9")."""
    return [piece for piece in _HMM_SKIP.split(run) if piece]


@lru_cache(maxsize=8)
def _rjieba_for(words: frozenset[str]):
    with _build_lock:
        fast = rjieba.Jieba()
        for word in sorted(words):
            fast.add_word(word, USER_WORD_FREQ, None)
        # jieba adds a user word's frequency to its total even when it replaces a dictionary word's;
        # jieba-rs subtracts the old one. The total scales every word's probability, so match it.
        replaced = sum(freq for word, freq in _dict_entries() if word in words) if words else 0
        if replaced:
            fast.add_word(_TOTAL_FILLER, replaced, None)
        return fast


class Tokenizer:
    """jieba plus user words. Picklable; equal word lists share one dictionary in a process."""

    def __init__(self, user_words: Iterable[str] = (), engine: str | None = None) -> None:
        self.user_words = frozenset(w.strip() for w in user_words if len(w.strip()) >= 2)
        self.engine = engine or default_engine()
        if self.engine not in ENGINES or (self.engine == "rjieba" and rjieba is None):
            raise ValueError(f"tokenizer engine {self.engine!r} is not available; use one of {default_engine()!r}, 'jieba'")
        if self.engine == "rjieba":
            self._fast = _rjieba_for(self.user_words)
            self._symmetric, self._ambiguous = _dictionary()
        self._slow_jieba = None

    def __reduce__(self):
        return (Tokenizer, (sorted(self.user_words), self.engine))

    @property
    def _jieba(self) -> jieba.Tokenizer:
        """The pure-Python jieba with the user words (built on first use when rjieba does the cutting)."""
        if self._slow_jieba is None:
            self._slow_jieba = _python_jieba(self.user_words)
        return self._slow_jieba

    def lcut(self, text: str) -> list[str]:
        """jieba.lcut with the user words (HMM on), whitespace and punctuation included."""
        if self.engine == "jieba":
            return self._jieba.lcut(text)
        if self._tie_possible(text):
            return self._jieba.lcut(text)
        tokens = self._fast.cut(text)
        if not _LATIN_PAIR.search(text):
            return tokens
        return self._as_jieba(text, tokens)

    def _tie_possible(self, text: str) -> bool:
        """A character three times in a row, or XYX where XY and YX are words of equal frequency
        (X|YX and XY|X tie); one scan finds both, as XXX is XYX with Y = X."""
        symmetric = self._symmetric
        for hit in _XYX.finditer(text):
            first, second = hit.group(1, 2)
            if first == second or first + second in symmetric:
                return True
        return False

    def _as_jieba(self, text: str, tokens: list[str]) -> list[str]:
        # jieba-rs keeps a run like "7-9" or "2.0T" from its HMM step whole where jieba splits it
        out: list[str] = []
        for token in tokens:
            if len(token) > 1 and token.isascii() and not token.isspace():
                if token in self._ambiguous:  # a dictionary word or an HMM run: only jieba knows
                    return self._jieba.lcut(text)
                out.extend(_hmm_pieces(token))
            else:
                out.append(token)
        return out

    def cut(self, text: str) -> list[str]:
        """All word tokens of a cleaned text (no whitespace or punctuation)."""
        search = _WORDLIKE.search
        return [t for t in self.lcut(text) if search(t)]

    def content_tokens(self, text: str) -> list[str]:
        """Tokens without stop words: the form the topic training data was published in."""
        return content_of(self.lcut(text))

    def __call__(self, text: str) -> list[str]:
        """Raw text → content tokens (normalise, cut, drop stop words)."""
        return self.content_tokens(clean(text))


def _is_content(token: str) -> bool:
    return token not in stop_words() and _WORDLIKE.search(token) is not None


_IS_CONTENT = TokenMemo(_is_content)


def content_of(every_token: list[str]) -> list[str]:
    """The content tokens of a full cut: no stop words, whitespace or punctuation."""
    return list(filter(_IS_CONTENT.__getitem__, every_token))  # a C loop: no bytecode per token


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
