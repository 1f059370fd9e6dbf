"""Keywords by TF-IDF over tokens the analysis already cut, with jieba's IDF table (no second cut)."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache


@lru_cache(maxsize=1)
def _idf() -> tuple[dict[str, float], float]:
    import jieba.analyse

    table = jieba.analyse.default_tfidf.idf_loader
    return table.idf_freq, table.median_idf


def keywords(tokens: list[str], top: int = 8) -> list[str]:
    idf, median = _idf()
    counts = Counter(t for t in tokens if len(t) >= 2 and not t.isdigit())
    ranked = sorted(counts, key=lambda t: (-counts[t] * idf.get(t, median), t))
    return ranked[:top]
