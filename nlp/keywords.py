"""Keywords by TF-IDF over the tokens the analysis already cut (no second cut), with the IDF table
that ships with jieba (the one jieba.analyse uses; read directly, so no file handle is left open)."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from pathlib import Path

import jieba


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


def keywords(tokens: list[str], top: int = 8) -> list[str]:
    idf, median = _idf()
    counts = Counter(t for t in tokens if len(t) >= 2 and not t.isdigit())
    weight = idf.get
    # highest count × idf first, ties in word order
    ranked = sorted([(-n * weight(t, median), t) for t, n in counts.items()])
    return [t for _, t in ranked[:top]]
