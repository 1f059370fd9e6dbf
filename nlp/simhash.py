"""64-bit SimHash signatures (as 16 hex digits) for near-duplicate detection and clustering."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable

BITS = 64


def _hash(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "big")


def simhash(tokens: Iterable[str]) -> str:
    weights = [0] * BITS
    counts = Counter(tokens)
    if not counts:
        return "0" * 16
    for token, count in counts.items():
        value = _hash(token)
        for bit in range(BITS):
            weights[bit] += count if value >> bit & 1 else -count
    signature = sum(1 << bit for bit in range(BITS) if weights[bit] > 0)
    return f"{signature:016x}"


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def similarity(a: str | None, b: str | None) -> float:
    if not a or not b:
        return 0.0
    return 1.0 - distance(a, b) / BITS
