"""Keywords by TF-IDF over the tokens the analysis already cut (no second cut), with the IDF table
that ships with jieba (the one jieba.analyse uses; read directly, so no file handle is left open)."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from pathlib import Path

import jieba

from nlp.memo import TokenMemo


@lru_cache(maxsize=1)
def _idf() -> tuple[dict[str, float], float]:
    path = Path(jieba.__file__).resolve().parent / "analyse" / "idf.txt"
    table: dict[str, float] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            word, _, value = line.strip().rpartition(" ")
            if word:
                table[word] = float(value)
    values = sorted(table.values())
    return table, values[len(values) // 2]


def _weight(token: str) -> float | None:
    """The token's IDF, or None for what is no keyword (single characters, numbers)."""
    idf, median = _idf()
    return idf.get(token, median) if len(token) >= 2 and not token.isdigit() else None


_WEIGHTS = TokenMemo(_weight)


def keywords(tokens: list[str], top: int = 8) -> list[str]:
    weights = _WEIGHTS
    # highest count × idf first, equal weights by the words themselves (stable from run to run)
    ranked = sorted([(-n * weight, t) for t, n in Counter(tokens).items() if (weight := weights[t]) is not None])
    return [t for _, t in ranked[:top]]
