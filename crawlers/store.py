"""The crawl's one connection to the database: known posts (for incremental navigation), the
dedup indexes, and the batched writes of the store pipeline. One per crawler, shared by the spider
and the pipelines.

New posts are staged and written in batches (one INSERT … RETURNING per batch, `batch_size` posts
or `batch_seconds`, and at the end). A crash loses at most the open batch; the next crawl fetches
those posts again because an interrupted crawl is followed by a full pass (crawlers/state.py).

Keys: a stored post is known by its id (int); a staged one, until its batch is written, by its
canonical URL (str). Near-duplicates and copies link to the root (first) post by key, resolved to
ids when the batch is written.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from datetime import timedelta

from sqlmodel import Session

from nlp.simhash import distance
from yuqing import repo
from yuqing.clock import now
from yuqing.db import get_engine
from yuqing.settings import get_settings

logger = logging.getLogger(__name__)

# The 64-bit signature cut into 6 bands (11,11,11,11,10,10 bits): two signatures within 5 bits
# differ in at most 5 bands, so they share at least one (pigeonhole) and meet in its bucket.
_BAND_BITS = (11, 11, 11, 11, 10, 10)
MAX_INDEXED_DISTANCE = len(_BAND_BITS) - 1
_STAGED_ORDER = 10**15  # staged posts come after every stored one

Key = int | str


def _bands(signature: str) -> list[tuple[int, int]]:
    value, bands, shift = int(signature, 16), [], 0
    for index, bits in enumerate(_BAND_BITS):
        bands.append((index, (value >> shift) & ((1 << bits) - 1)))
        shift += bits
    return bands


class SimhashIndex:
    """Near-duplicate lookup in memory: band → keys; `nearest` returns the root (first) post's key."""

    def __init__(self) -> None:
        self.buckets: dict[tuple[int, int], list[Key]] = defaultdict(list)
        self.signatures: dict[Key, str] = {}
        self.root_of: dict[Key, Key] = {}
        self.order: dict[Key, int] = {}
        self.alias: dict[str, int] = {}  # URL of a staged post that has been written → its id
        self._staged = 0

    def add(self, key: Key, signature: str, duplicate_of: Key | None) -> None:
        if isinstance(key, int):
            self.order[key] = key
        else:
            self._staged += 1
            self.order[key] = _STAGED_ORDER + self._staged
        self.signatures[key] = signature
        self.root_of[key] = self.root_of.get(duplicate_of, duplicate_of) if duplicate_of is not None else key
        if isinstance(key, int) and isinstance(self.root_of[key], int) and self.root_of[key] not in self.order:
            self.order[self.root_of[key]] = self.root_of[key]  # a root older than the loaded window
        for band in _bands(signature):
            self.buckets[band].append(key)

    def rename(self, old: str, new: int) -> None:
        """A staged post was written: its URL key now stands for its id."""
        self.alias[old] = new

    def resolve(self, key: Key | None) -> Key | None:
        return self.alias.get(key, key) if isinstance(key, str) else key

    def forget(self, key: Key) -> None:
        if key not in self.signatures:
            return
        signature = self.signatures.pop(key)
        for band in _bands(signature):
            self.buckets[band].remove(key)
        self.root_of.pop(key, None)
        self.order.pop(key, None)

    def nearest(self, signature: str, max_distance: int) -> Key | None:
        """The root of the first (oldest) post within max_distance bits, or None."""
        if max_distance > MAX_INDEXED_DISTANCE:
            raise ValueError(f"the band index finds neighbours within {MAX_INDEXED_DISTANCE} bits, not {max_distance}")
        best = None
        for band in _bands(signature):
            for key in self.buckets.get(band, ()):
                if distance(signature, self.signatures[key]) <= max_distance:
                    root = self.root_of[key]
                    if best is None or self.order.get(root, _STAGED_ORDER * 2) < self.order.get(best, _STAGED_ORDER * 2):
                        best = root
        return self.resolve(best)


_COLUMNS = ("url", "external_id", "title", "text", "text_simplified", "author_hash", "published_at", "likes",
            "reposts", "comments", "views", "content_hash", "simhash", "spam", "spam_reason", "reply_text",
            "reply_at")


class CrawlStore:
    def __init__(self, *, source_name: str, stats=None, batch_size: int = 50, batch_seconds: float = 2.0,
                 near_dup_days: int = 30) -> None:
        self.source_name = source_name
        self.stats = stats
        self.session = Session(get_engine(), expire_on_commit=False)
        self.source = repo.get_source(self.session, name=source_name)
        self.session.commit()
        self.batch_size = batch_size
        self.batch_seconds = batch_seconds
        self.near_dup_days = near_dup_days
        self._last_commit = time.monotonic()
        self._known: dict[str, tuple[int, str | None]] = {}
        self._absent: set[str] = set()  # asked before and not stored: no second query
        self._simhash: SimhashIndex | None = None
        self.run_hashes: dict[str, str] = {}  # content hash → URL of the first post with it in this crawl
        self._staged: list[dict] = []  # rows of new posts, each with "_link" (root key or None)

    @classmethod
    def for_crawler(cls, crawler) -> CrawlStore:
        store = getattr(crawler, "yuqing_store", None)
        if store is None:
            spec = crawler.settings.getdict("YUQING_SOURCE")
            store = cls(
                source_name=spec["name"], stats=crawler.stats,
                batch_size=crawler.settings.getint("YUQING_STORE_BATCH", get_settings().store_batch),
                near_dup_days=crawler.settings.getint("YUQING_NEAR_DUP_DAYS", 30),
            )
            crawler.yuqing_store = store
        return store

    def _count(self, key: str, value: int = 1) -> None:
        if self.stats is not None and value:
            self.stats.inc_value(key, value)

    # ---- incremental navigation
    def known(self, urls: list[str]) -> dict[str, tuple[int, str | None]]:
        missing = [u for u in urls if u not in self._known and u not in self._absent]
        if missing:
            found = repo.known_posts(self.session, urls=missing)
            self.session.commit()  # no transaction stays open between callbacks (see update)
            self._known.update(found)
            self._absent.update(u for u in missing if u not in found)
        return {u: self._known[u] for u in urls if u in self._known}

    # ---- dedup
    def simhash_index(self) -> SimhashIndex:
        if self._simhash is None:
            self._simhash = SimhashIndex()
            since = now() - timedelta(days=self.near_dup_days)
            for post_id, signature, duplicate_of in repo.recent_simhashes(self.session, since=since):
                self._simhash.add(post_id, signature, duplicate_of)
            self.session.commit()
        return self._simhash

    # ---- writes
    def stage(self, item) -> None:
        """Queue a new post for the next batch."""
        row = {column: item.get(column) for column in _COLUMNS}
        row["url"] = item["canonical_url"]
        row.update(
            source_id=self.source.id, title=row["title"] or "", text=row["text"] or "", spam=bool(row["spam"]),
            likes=row["likes"] or 0, reposts=row["reposts"] or 0, comments=row["comments"] or 0,
            views=row["views"] or 0, crawl_signature=item.get("signature"), fetched_at=now(),
            duplicate_of_id=None, _link=item.get("duplicate_of_key"),
        )
        self._staged.append(row)
        self.run_hashes.setdefault(row["content_hash"], row["url"])
        self._absent.discard(row["url"])
        if row["simhash"]:
            self.simhash_index().add(row["url"], row["simhash"], row["_link"])
        self._maybe_flush()

    def update(self, item) -> bool:
        changed = repo.update_crawled_post(
            self.session, post_id=item["update_of_id"], signature=item.get("signature"),
            likes=item.get("likes") or 0, reposts=item.get("reposts") or 0, comments=item.get("comments") or 0,
            views=item.get("views") or 0, reply_text=item.get("reply_text"), reply_at=item.get("reply_at"),
        )
        self._known[item["canonical_url"]] = (item["update_of_id"], item.get("signature"))
        # Committed at once: several crawlers share one thread in a crawl process, and a write lock held
        # across callbacks would make another crawler's write wait on it synchronously (SQLite: until
        # its busy timeout) while the holder can never run to release it.
        self.session.commit()
        return changed

    def _maybe_flush(self) -> None:
        if len(self._staged) >= self.batch_size or time.monotonic() - self._last_commit > self.batch_seconds:
            self.flush()

    def flush(self) -> None:
        """Write the staged posts (copies of stored content dropped or linked) and commit."""
        staged, self._staged = self._staged, []
        if staged:
            # the near-duplicate index (every post of the last `near_dup_days`) is read only when there
            # is something to write: a crawl that found nothing new closes without reading it
            index = self.simhash_index()
            self._resolve_stored_copies(staged, index)
            written = self._insert(staged, index)
            self._count("yuqing/stored", written)
        self.session.commit()
        self._last_commit = time.monotonic()

    def _resolve_stored_copies(self, staged: list[dict], index: SimhashIndex) -> None:
        """Level 2 against the database: the same text already stored by this source is dropped, by
        another source kept and linked to the first post."""
        first = repo.first_posts_with_content(self.session, content_hashes=[r["content_hash"] for r in staged])
        replaced: dict[str, int] = {}
        for row in list(staged):
            hit = first.get(row["content_hash"])
            if hit is None:
                continue
            post_id, source_id, duplicate_of = hit
            if source_id == self.source.id:
                staged.remove(row)
                replaced[row["url"]] = duplicate_of or post_id
                index.forget(row["url"])
                self._count("yuqing/dropped/duplicate_content")
                logger.warning("Dropped: duplicate_content: %s repeats post #%s", row["url"], post_id)
            else:
                if row["_link"] is not None and self.stats is not None:
                    self.stats.inc_value("yuqing/linked/near_duplicate", -1)  # it is an exact copy
                row["_link"] = duplicate_of or post_id
                self._count("yuqing/linked/content")
        for row in staged:
            if isinstance(row["_link"], str) and row["_link"] in replaced:
                row["_link"] = replaced[row["_link"]]

    def _insert(self, staged: list[dict], index: SimhashIndex) -> int:
        # roots first (their links are ids or nothing), then the posts that link to a root in this batch
        ids: dict[str, int] = {}
        written = 0
        for group in ([r for r in staged if not isinstance(r["_link"], str)],
                      [r for r in staged if isinstance(r["_link"], str)]):
            rows = []
            for row in group:
                link = row["_link"]
                if isinstance(link, str):
                    link = ids.get(link) or self._known.get(link, (None,))[0]
                rows.append({**{k: v for k, v in row.items() if k != "_link"}, "duplicate_of_id": link})
            new_ids = repo.insert_crawled_posts(self.session, rows=rows)
            ids.update(new_ids)
            metrics = []
            for row in rows:
                post_id = new_ids.get(row["url"])
                if post_id is None:
                    index.forget(row["url"])
                    self._count("yuqing/dropped/known_url")
                    logger.warning("Dropped: known_url: %s was stored meanwhile", row["url"])
                    continue
                written += 1
                index.rename(row["url"], post_id)
                self._known[row["url"]] = (post_id, row["crawl_signature"])
                if row["likes"] or row["reposts"] or row["comments"] or row["views"]:
                    metrics.append({"post_id": post_id, "likes": row["likes"], "reposts": row["reposts"],
                                    "comments": row["comments"], "views": row["views"]})
            repo.add_post_metrics(self.session, rows=metrics)
        return written

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.session.close()
