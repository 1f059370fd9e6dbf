"""Item pipelines, one job each: validate → clean → dedup → store.

Every drop raises DropItem("<reason>: <detail>") and counts ``yuqing/dropped/<reason>`` in the
crawl stats, so the run's summary says how many items were dropped and why.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from scrapy.exceptions import DropItem

from crawlers.encoding import replacement_ratio
from crawlers.fingerprint import content_hash, simhash_text
from crawlers.store import CrawlStore
from crawlers.urls import canonical_url
from nlp.normalize import clean as clean_for_analysis
from nlp.normalize import detect_spam, to_simplified
from yuqing.authors import author_hash
from yuqing.settings import get_settings

logger = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # control characters except \t and \n
_SPACES = re.compile(r"[ \t\u3000\xa0]+")


def drop(stats, reason: str, detail: str) -> DropItem:
    if stats is not None:
        stats.inc_value(f"yuqing/dropped/{reason}")
    return DropItem(f"{reason}: {detail}")


class ValidatePipeline:
    """Reject what cannot be a post: no URL, no text, absurd sizes, mojibake, a date in the future."""

    def __init__(self, stats, *, max_text_chars: int, max_mojibake: float) -> None:
        self.stats = stats
        self.max_text_chars = max_text_chars
        self.max_mojibake = max_mojibake

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, max_text_chars=crawler.settings.getint("YUQING_MAX_TEXT_CHARS", 200_000),
                   max_mojibake=crawler.settings.getfloat("YUQING_MAX_MOJIBAKE", 0.02))

    def process_item(self, item, spider=None):
        url = item.get("url") or ""
        if not url.startswith(("http://", "https://")):
            raise drop(self.stats, "invalid", f"no http(s) url ({url[:80]!r})")
        if not item.get("source"):
            raise drop(self.stats, "invalid", f"{url}: no source")
        title, text = item.get("title") or "", item.get("text") or ""
        if not title.strip() and not text.strip():
            raise drop(self.stats, "empty", f"{url}: neither title nor text")
        if len(text) > self.max_text_chars:
            raise drop(self.stats, "too_long", f"{url}: {len(text)} characters > {self.max_text_chars}")
        ratio = replacement_ratio(title + text)
        if ratio > self.max_mojibake:
            raise drop(self.stats, "mojibake", f"{url}: {ratio:.0%} undecodable characters")
        published = item.get("published_at")
        if published is not None and not isinstance(published, datetime):
            raise drop(self.stats, "invalid", f"{url}: published_at {published!r} is not a datetime")
        return item


class CleanPipeline:
    """Normalise the text as published (traditional stays traditional) and derive the stored fields:
    canonical URL, simplified form, author hash, content hash, SimHash, spam flag."""

    def __init__(self, *, author_salt: str) -> None:
        self.author_salt = author_salt

    @classmethod
    def from_crawler(cls, crawler):
        return cls(author_salt=crawler.settings.get("YUQING_AUTHOR_SALT") or get_settings().author_salt)

    @staticmethod
    def tidy(text: str) -> str:
        # parsers deliver text, not markup: a "<" here is the author's (《<办法>》), so nothing is stripped
        text = _CONTROL.sub("", text or "")
        lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
        return "\n".join(line for line in lines if line)

    def process_item(self, item, spider=None):
        item["title"] = self.tidy(item.get("title") or "").replace("\n", " ")
        item["text"] = self.tidy(item.get("text") or "") or item["title"]
        item["canonical_url"] = canonical_url(item["url"])
        simplified = to_simplified(f"{item['title']}\n{item['text']}")
        item["text_simplified"] = simplified
        item["author_hash"] = author_hash(item["source"], item.get("author"), salt=self.author_salt)
        analysis_form = clean_for_analysis(simplified)
        item["content_hash"] = content_hash(analysis_form)
        item["simhash"] = simhash_text(analysis_form)
        if not item.get("spam"):
            item["spam"], item["spam_reason"] = detect_spam(simplified)
        for key in ("likes", "reposts", "comments", "views"):
            item[key] = max(0, int(item.get(key) or 0))
        return item


class DedupPipeline:
    """Three levels: canonical URL (a known post is updated if it changed, else dropped), content hash
    (the same text again from the same source is dropped; from another source it is kept and linked;
    the database side of this check runs when the batch is written, see CrawlStore.flush),
    near-duplicate by SimHash (kept, linked to the first post through duplicate_of_id)."""

    def __init__(self, stats, store_factory, *, max_distance: int, min_chars: int) -> None:
        self.stats = stats
        self.store_factory = store_factory
        self.max_distance = max_distance
        self.min_chars = min_chars  # short texts share too few words for SimHash to mean anything
        self.seen_urls: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, lambda: CrawlStore.for_crawler(crawler),
                   max_distance=crawler.settings.getint("YUQING_NEAR_DUP_DISTANCE", get_settings().near_dup_distance),
                   min_chars=crawler.settings.getint("YUQING_NEAR_DUP_MIN_CHARS", 30))

    def process_item(self, item, spider=None):
        store = self.store_factory()
        url = item["canonical_url"]
        if url in self.seen_urls:
            raise drop(self.stats, "duplicate_url", f"{url} twice in this crawl")
        self.seen_urls.add(url)
        known = store.known([url]).get(url)
        if known is not None:
            if item.get("refresh"):
                item["update_of_id"] = known[0]
                return item
            raise drop(self.stats, "known_url", f"{url} is post #{known[0]}")
        first_url = store.run_hashes.get(item["content_hash"])
        if first_url is not None:
            raise drop(self.stats, "duplicate_content", f"{url} repeats {first_url}")
        if len(item["text_simplified"]) >= self.min_chars:
            nearest = store.simhash_index().nearest(item["simhash"], self.max_distance)
            if nearest is not None:
                item["duplicate_of_key"] = nearest
                self.stats.inc_value("yuqing/linked/near_duplicate")
        return item


class StorePipeline:
    """Write the post (or the update of a known one) through yuqing.repo, in batches."""

    def __init__(self, stats, store_factory) -> None:
        self.stats = stats
        self.store_factory = store_factory
        self.store: CrawlStore | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, lambda: CrawlStore.for_crawler(crawler))

    def open_spider(self, spider=None):
        self.store = self.store_factory()

    def close_spider(self, spider=None):
        if self.store is not None:
            self.store.close()

    def process_item(self, item, spider=None):
        if item.get("update_of_id"):
            if self.store.update(item):
                self.stats.inc_value("yuqing/updated")
                return item
            raise drop(self.stats, "unchanged", f"{item['canonical_url']} has not changed")
        self.store.stage(item)  # counted as stored when its batch is written
        return item
