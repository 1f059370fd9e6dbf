"""The crawl's one connection to the database: known posts (for incremental navigation), the
dedup indexes, and the writes of the store pipeline. One per crawler, shared by spider and pipelines.

Writes are committed in batches; a crash loses at most the open batch, and the next crawl fetches
those posts again because an interrupted crawl is followed by a full pass (crawlers/state.py).
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import timedelta

from sqlmodel import Session

from nlp.simhash import distance
from yuqing import repo
from yuqing.clock import now
from yuqing.db import get_engine
from yuqing.models import Post, PostMetric

# The 64-bit signature cut into 6 bands (11,11,11,11,10,10 bits): two signatures within 5 bits
# differ in at most 5 bands, so they share at least one (pigeonhole) and meet in its bucket.
_BAND_BITS = (11, 11, 11, 11, 10, 10)
MAX_INDEXED_DISTANCE = len(_BAND_BITS) - 1


def _bands(signature: str) -> list[tuple[int, int]]:
    value, bands, shift = int(signature, 16), [], 0
    for index, bits in enumerate(_BAND_BITS):
        bands.append((index, (value >> shift) & ((1 << bits) - 1)))
        shift += bits
    return bands


class SimhashIndex:
    """Near-duplicate lookup in memory: band → post ids; `root` follows duplicate_of to the first post."""

    def __init__(self) -> None:
        self.buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
        self.signatures: dict[int, str] = {}
        self.root_of: dict[int, int] = {}

    def add(self, post_id: int, signature: str, duplicate_of: int | None) -> None:
        self.signatures[post_id] = signature
        self.root_of[post_id] = self.root_of.get(duplicate_of, duplicate_of) if duplicate_of else post_id
        for band in _bands(signature):
            self.buckets[band].append(post_id)

    def nearest(self, signature: str, max_distance: int) -> int | None:
        """The first (lowest id) root post within max_distance bits, or None."""
        if max_distance > MAX_INDEXED_DISTANCE:
            raise ValueError(f"the band index finds neighbours within {MAX_INDEXED_DISTANCE} bits, not {max_distance}")
        best = None
        for band in _bands(signature):
            for post_id in self.buckets.get(band, ()):
                if distance(signature, self.signatures[post_id]) <= max_distance:
                    root = self.root_of[post_id]
                    if best is None or root < best:
                        best = root
        return best


class CrawlStore:
    def __init__(self, *, source_name: str, batch_size: int = 50, batch_seconds: float = 2.0,
                 near_dup_days: int = 30) -> None:
        self.source_name = source_name
        self.session = Session(get_engine(), expire_on_commit=False)
        self.source = repo.get_source(self.session, name=source_name)
        self.batch_size = batch_size
        self.batch_seconds = batch_seconds
        self.near_dup_days = near_dup_days
        self._pending = 0
        self._last_commit = time.monotonic()
        self._known: dict[str, tuple[int, str | None]] = {}
        self._simhash: SimhashIndex | None = None

    @classmethod
    def for_crawler(cls, crawler) -> CrawlStore:
        store = getattr(crawler, "yuqing_store", None)
        if store is None:
            spec = crawler.settings.getdict("YUQING_SOURCE")
            store = cls(
                source_name=spec["name"], batch_size=crawler.settings.getint("YUQING_STORE_BATCH", 50),
                near_dup_days=crawler.settings.getint("YUQING_NEAR_DUP_DAYS", 30),
            )
            crawler.yuqing_store = store
        return store

    # ---- incremental navigation
    def known(self, urls: list[str]) -> dict[str, tuple[int, str | None]]:
        missing = [u for u in urls if u not in self._known]
        if missing:
            self._known.update(repo.known_posts(self.session, urls=missing))
        return {u: self._known[u] for u in urls if u in self._known}

    # ---- dedup
    def first_with_content(self, content_hash: str) -> tuple[int, int | None, int | None] | None:
        return repo.first_post_with_content(self.session, content_hash=content_hash)

    def simhash_index(self) -> SimhashIndex:
        if self._simhash is None:
            self._simhash = SimhashIndex()
            since = now() - timedelta(days=self.near_dup_days)
            for post_id, signature, duplicate_of in repo.recent_simhashes(self.session, since=since):
                self._simhash.add(post_id, signature, duplicate_of)
        return self._simhash

    # ---- writes
    def add(self, item) -> int | None:
        post = Post(
            source_id=self.source.id, url=item["canonical_url"], external_id=item.get("external_id"),
            title=item.get("title") or "", text=item.get("text") or "", text_simplified=item.get("text_simplified"),
            author_hash=item.get("author_hash"), published_at=item.get("published_at"),
            likes=item.get("likes") or 0, reposts=item.get("reposts") or 0, comments=item.get("comments") or 0,
            views=item.get("views") or 0, content_hash=item["content_hash"], simhash=item.get("simhash"),
            spam=bool(item.get("spam")), spam_reason=item.get("spam_reason"),
            duplicate_of_id=item.get("duplicate_of_id"), reply_text=item.get("reply_text"),
            reply_at=item.get("reply_at"), crawl_signature=item.get("signature"),
        )
        stored = repo.add_post(self.session, post=post)
        if stored is None:
            return None
        if post.likes or post.reposts or post.comments or post.views:
            self.session.add(PostMetric(post_id=post.id, likes=post.likes, reposts=post.reposts,
                                        comments=post.comments, views=post.views))
        self._known[post.url] = (post.id, post.crawl_signature)
        if post.simhash:
            self.simhash_index().add(post.id, post.simhash, post.duplicate_of_id)
        self._wrote()
        return post.id

    def update(self, item) -> bool:
        changed = repo.update_crawled_post(
            self.session, post_id=item["update_of_id"], signature=item.get("signature"),
            likes=item.get("likes") or 0, reposts=item.get("reposts") or 0, comments=item.get("comments") or 0,
            views=item.get("views") or 0, reply_text=item.get("reply_text"), reply_at=item.get("reply_at"),
        )
        self._known[item["canonical_url"]] = (item["update_of_id"], item.get("signature"))
        if changed:
            self._wrote()
        return changed

    def _wrote(self) -> None:
        self._pending += 1
        if self._pending >= self.batch_size or time.monotonic() - self._last_commit > self.batch_seconds:
            self.commit()

    def commit(self) -> None:
        self.session.commit()
        self._pending = 0
        self._last_commit = time.monotonic()

    def close(self) -> None:
        try:
            self.commit()
        finally:
            self.session.close()
