"""Content fingerprints of a post: the SHA-256 content hash and a 64-bit SimHash.

The SimHash is taken over character bigrams of the analysis form (nlp.normalize.clean): no word
segmentation, so a repost that jieba would cut differently still lands a few bits away, and it is
cheap enough for the crawl's hot path. It is exactly `nlp.simhash.simhash` of those shingles
(a test holds them equal), vectorised with numpy, so `nlp.simhash.similarity` and the clustering
stage read it as they read any other SimHash.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter

import numpy as np

_RUNS = re.compile(r"[0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]+")
_BIT_POSITIONS = np.arange(64, dtype=np.uint64)


def shingles(text: str) -> list[str]:
    """Character bigrams inside runs of letters, digits and Chinese characters (single-character runs kept)."""
    tokens: list[str] = []
    for run in _RUNS.findall(text):
        if len(run) == 1:
            tokens.append(run)
        else:
            tokens.extend(run[i:i + 2] for i in range(len(run) - 1))
    return tokens


_HASHES: dict[str, int] = {}  # bigrams repeat across posts: hash each once (bounded below)
_MAX_CACHED = 400_000


def _token_hash(token: str) -> int:
    value = _HASHES.get(token)
    if value is None:
        if len(_HASHES) >= _MAX_CACHED:
            _HASHES.clear()
        value = _HASHES[token] = int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "big")
    return value


def simhash_of_tokens(tokens) -> str:
    counts = Counter(tokens)
    if not counts:
        return "0" * 16
    hashes = np.fromiter((_token_hash(t) for t in counts), dtype=np.uint64, count=len(counts))
    weights = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
    bits = ((hashes[:, None] >> _BIT_POSITIONS) & np.uint64(1)).astype(np.int64)
    totals = (weights[:, None] * (2 * bits - 1)).sum(axis=0)
    signature = 0
    for position in np.flatnonzero(totals > 0):
        signature |= 1 << int(position)
    return f"{signature:016x}"


def simhash_text(analysis_form: str) -> str:
    return simhash_of_tokens(shingles(analysis_form))


def content_hash(analysis_form: str) -> str:
    return hashlib.sha256(analysis_form.encode("utf-8")).hexdigest()
