"""64-bit SimHash signatures (as 16 hex digits) for near-duplicate detection and clustering."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

BITS = 64
_SHIFTS = np.arange(BITS, dtype=np.uint64)
EMPTY = "0" * 16


@lru_cache(maxsize=200_000)
def _hash(token: str) -> int:
    """The token's 64-bit hash (cached: a vocabulary repeats)."""
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "big")


def simhash(tokens: Iterable[str]) -> str:
    return simhash_many([tokens])[0]


def simhash_many(documents: Iterable[Iterable[str]]) -> list[str]:
    """The signatures of many token lists, with one set of array operations for the whole batch:
    bit i is set where the count-weighted votes of the tokens' hash bits i (+1 for a 1, -1 for a 0)
    are positive."""
    counters = [Counter(tokens) for tokens in documents]
    sizes = np.fromiter(map(len, counters), dtype=np.int64, count=len(counters))
    filled = sizes > 0
    out = [EMPTY] * len(counters)
    if not filled.any():
        return out
    hashes = np.fromiter((_hash(t) for c in counters for t in c), dtype=np.uint64, count=int(sizes.sum()))
    counts = np.fromiter((n for c in counters for n in c.values()), dtype=np.int64, count=len(hashes))
    signs = ((hashes[:, None] >> _SHIFTS) & np.uint64(1)).astype(np.int64) * 2 - 1
    starts = (np.cumsum(sizes) - sizes)[filled]
    votes = np.add.reduceat(signs * counts[:, None], starts, axis=0)
    packed = np.packbits((votes > 0)[:, ::-1], axis=1)
    for row, index in zip(packed, np.flatnonzero(filled), strict=True):
        out[index] = row.tobytes().hex()
    return out


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def similarity(a: str | None, b: str | None) -> float:
    if not a or not b:
        return 0.0
    return 1.0 - distance(a, b) / BITS
