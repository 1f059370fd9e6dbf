"""Content fingerprints of a post: the SHA-256 content hash and a 64-bit SimHash.

The SimHash is `nlp.simhash.simhash` (the product's one SimHash) over character bigrams of the
analysis form (nlp.normalize.clean): no word segmentation, so a repost that jieba would cut
differently still lands a few bits away, and it is cheap enough for the crawl's hot path. Posts
within `near_dup_distance` bits (setting YUQING_NEAR_DUP_DISTANCE) are near-duplicates, for the
crawl's dedup and for grouping into issues alike.
"""

from __future__ import annotations

import hashlib
import re

from nlp.simhash import simhash

_RUNS = re.compile(r"[0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]+")


def shingles(text: str) -> list[str]:
    """Character bigrams inside runs of letters, digits and Chinese characters (single-character runs kept)."""
    tokens: list[str] = []
    for run in _RUNS.findall(text):
        if len(run) == 1:
            tokens.append(run)
        else:
            tokens.extend(run[i:i + 2] for i in range(len(run) - 1))
    return tokens


def simhash_text(analysis_form: str) -> str:
    return simhash(shingles(analysis_form))


def content_hash(analysis_form: str) -> str:
    return hashlib.sha256(analysis_form.encode("utf-8")).hexdigest()
