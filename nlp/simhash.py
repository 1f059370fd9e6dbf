"""64-bit SimHash signatures (as 16 hex digits) for near-duplicate detection and clustering."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from itertools import chain

import numpy as np

from nlp.memo import TokenMemo

BITS = 64
EMPTY = "0" * 16


def _hash(token: str) -> int:
    """The token's 64-bit hash."""
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "big")


_HASHES = TokenMemo(_hash)


def simhash(tokens: Iterable[str]) -> str:
    return simhash_many([tokens])[0]


def simhash_many(documents: Iterable[Iterable[str]]) -> list[str]:
    """The signatures of many token lists, with one set of array operations for the whole batch:
    bit i is set where the votes of the tokens' hash bits i (+1 for a 1, -1 for a 0, once per
    occurrence, so a repeated token weighs by its count) are positive."""
    documents = [list(tokens) for tokens in documents]
    sizes = np.fromiter(map(len, documents), dtype=np.int64, count=len(documents))
    filled = sizes > 0
    out = [EMPTY] * len(documents)
    if not filled.any():
        return out
    hashes = np.fromiter(map(_HASHES.__getitem__, chain.from_iterable(documents)), dtype=np.uint64,
                         count=int(sizes.sum()))
    # bit i of every hash as a column (little-endian bytes, least significant bit first)
    bits = np.unpackbits(hashes.astype("<u8").view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    starts = (np.cumsum(sizes) - sizes)[filled]
    ones = np.add.reduceat(bits, starts, axis=0, dtype=np.int32)
    # the votes are ones - zeros = 2·ones - tokens: positive when the ones are more than half
    packed = np.packbits((2 * ones > sizes[filled, None])[:, ::-1], axis=1)
    for row, index in zip(packed, np.flatnonzero(filled), strict=True):
        out[index] = row.tobytes().hex()
    return out


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def similarity(a: str | None, b: str | None) -> float:
    if not a or not b:
        return 0.0
    return 1.0 - distance(a, b) / BITS
