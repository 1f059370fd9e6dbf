"""64-bit SimHash signatures (as 16 hex digits) for near-duplicate detection and clustering."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

BITS = 64
_SHIFTS = np.arange(BITS, dtype=np.uint64)


@lru_cache(maxsize=200_000)
def _signs(token: str) -> np.ndarray:
    """+1/-1 per bit of the token's 64-bit hash (cached: a vocabulary repeats)."""
    value = np.uint64(int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "big"))
    return ((value >> _SHIFTS) & np.uint64(1)).astype(np.int64) * 2 - 1


def simhash(tokens: Iterable[str]) -> str:
    counts = Counter(tokens)
    if not counts:
        return "0" * 16
    weights = np.fromiter(counts.values(), dtype=np.int64, count=len(counts)) @ np.stack([_signs(t) for t in counts])
    bits = np.packbits((weights > 0)[::-1].astype(np.uint8))
    return bits.tobytes().hex()


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def similarity(a: str | None, b: str | None) -> float:
    if not a or not b:
        return 0.0
    return 1.0 - distance(a, b) / BITS
