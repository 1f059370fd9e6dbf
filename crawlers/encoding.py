"""Decoding Chinese pages right, declared or not.

Scrapy decodes by HTTP header, BOM and <meta>, and falls back to cp1252 when nothing is
declared, which turns an undeclared GBK or Big5 page into mojibake. `EncodingMiddleware` fixes
that: an undeclared page is decoded by `guess_encoding` (strict UTF-8 first, then GB18030 and Big5
scored by how many of their characters are common Chinese characters); a declared encoding that
does not decode the bytes (a GBK page that claims UTF-8) is replaced by the guess too. Two
declarations that decode anything are not believed either (`better_than_declared`):
* a Latin-1 / cp1252 header (Tomcat's default, ``charset=ISO-8859-1``) over bytes that read as
  Chinese: single-byte codecs decode every byte, so "it decodes" proves nothing;
* a GBK-family declaration over bytes that are valid UTF-8 (pages re-saved as UTF-8 with their old
  ``<meta charset=gb2312>``): GB18030 decodes most UTF-8 byte pairs too, but real GBK text is
  almost never valid UTF-8.
Invalid GBK byte pairs are read as GB18030 (a superset; Scrapy maps gbk/gb2312 to it).
"""

from __future__ import annotations

import codecs
import logging
import re
from functools import lru_cache
from pathlib import Path

from scrapy.http import TextResponse

logger = logging.getLogger(__name__)

CANDIDATES = ("utf-8", "gb18030", "big5")
# codecs under which any byte string "decodes": their declaration is no evidence for non-ASCII bytes
_SINGLE_BYTE = re.compile(r"^(?:cp125\d|windows-125\d|latin[-_]?1|iso[-_]?8859[-_]?\d+|l1|ascii|us-ascii)$", re.I)
_CHINESE_MULTIBYTE = re.compile(r"^(?:gb18030|gbk|gb2312|cp936|big5|big5hkscs|cp950|hz)$", re.I)
MIN_CHINESE_SCORE = 0.6  # share of common characters above which bytes are Chinese text (random bytes: < 0.3)
_SAMPLE = 64_000  # enough bytes to tell the encodings apart, cheap on a large page


@lru_cache(maxsize=1)
def common_chars() -> frozenset[str]:
    text = (Path(__file__).with_name("common_chars.txt")).read_text(encoding="utf-8")
    return frozenset("".join(line for line in text.splitlines() if not line.startswith("#")))


def _cut(body: bytes) -> bytes:
    """A prefix for sniffing; a multi-byte character cut at the end must not spoil strict decoding."""
    return body if len(body) <= _SAMPLE else body[:_SAMPLE]


def score(text: str) -> float:
    """Share of the CJK characters of `text` that are common Chinese characters (0..1)."""
    cjk = [c for c in text if "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff"]
    if not cjk:
        return 0.0
    common = common_chars()
    return sum(c in common for c in cjk) / len(cjk)


def _decodes(sample: bytes, encoding: str, truncated: bool) -> str | None:
    try:
        return sample.decode(encoding)
    except UnicodeDecodeError as exc:
        # a sample cut inside a character fails only in its last few bytes
        if truncated and exc.start >= len(sample) - 4:
            return sample[: exc.start].decode(encoding, errors="strict")
        return None


def guess_encoding(body: bytes) -> str | None:
    """The most plausible of UTF-8 / GB18030 / Big5 for `body`, or None when none decodes it."""
    sample = _cut(body)
    truncated = len(body) > len(sample)
    if sample.isascii():
        return "utf-8"  # pure ASCII
    utf8 = _decodes(sample, "utf-8", truncated)
    if utf8 is not None:
        return "utf-8"  # random GBK/Big5 bytes are almost never valid UTF-8
    best, best_score = None, -1.0
    for encoding in CANDIDATES[1:]:
        text = _decodes(sample, encoding, truncated)
        if text is None:
            continue
        value = score(text)
        if value > best_score:
            best, best_score = encoding, value
    return best


def replacement_ratio(text: str) -> float:
    """Share of U+FFFD (undecodable) characters: a high value means mojibake."""
    if not text:
        return 0.0
    return text.count("\ufffd") / len(text)


def declared_encoding(response: TextResponse) -> str | None:
    # Scrapy's own lookup (header, BOM, <meta>/<?xml?>); private, so guard against its absence
    finder = getattr(response, "_declared_encoding", None)
    return finder() if finder else None


class EncodingMiddleware:
    """Downloader middleware: re-decode undeclared or wrongly declared Chinese pages."""

    def __init__(self, stats=None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_response(self, request, response, spider=None):
        if not isinstance(response, TextResponse) or not response.body:
            return response
        declared = declared_encoding(response)
        sample = _cut(response.body)
        truncated = len(response.body) > len(sample)
        if declared:
            better = better_than_declared(response.body, response.encoding)
            if better is None and _decodes(sample, response.encoding, truncated) is not None:
                return response
            guess = better or guess_encoding(response.body)
        else:
            guess = guess_encoding(response.body)
        if guess is None or (declared and guess == response.encoding):
            return response
        if self.stats is not None:
            self.stats.inc_value("yuqing/encoding_guessed")
        logger.debug("decoding %s as %s (declared: %s)", response.url, guess, declared)
        return response.replace(encoding=guess)


def _codec_name(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding.lower()


def better_than_declared(body: bytes, declared: str) -> str | None:
    """An encoding that reads `body` better than the `declared` one even though the declared one
    decodes it, or None (see the module docstring)."""
    name = _codec_name(declared)
    single_byte = bool(_SINGLE_BYTE.match(name) or _SINGLE_BYTE.match(declared))
    if not single_byte and not (_CHINESE_MULTIBYTE.match(name) or _CHINESE_MULTIBYTE.match(declared)):
        return None  # UTF-8 and the rest: a declaration that decodes the bytes is believed
    sample = _cut(body)
    truncated = len(body) > len(sample)
    if sample.isascii():
        return None
    if single_byte:
        guess = guess_encoding(body)
        if guess == "utf-8":
            return guess
        if guess is not None:
            text = _decodes(sample, guess, truncated)
            if text is not None and score(text) >= MIN_CHINESE_SCORE:
                return guess
        return None
    return "utf-8" if _decodes(sample, "utf-8", truncated) is not None else None
