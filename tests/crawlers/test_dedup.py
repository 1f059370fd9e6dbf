"""Dedup in three levels: canonical URL, content hash, near-duplicate (SimHash) linked to the first post."""

from __future__ import annotations

import pytest

from crawlers.runner import crawl
from crawlers.store import SimhashIndex
from crawlers.testsites.trouble import TroubleSite
from crawlers.urls import canonical_url
from tests.crawlers.helpers import add_source, stored_posts


@pytest.mark.parametrize("url, expected", [
    ("HTTP://Example.COM:80/a?b=2&a=1#frag", "http://example.com/a?a=1&b=2"),
    ("https://example.com:443/p?utm_source=wx&id=7&spm=a.b.c", "https://example.com/p?id=7"),
    ("https://m.weibo.cn/detail/123?from=timeline&isappinstalled=0", "https://m.weibo.cn/detail/123"),
    ("http://example.com", "http://example.com/"),
    ("http://example.com:8080/x?q=%E9%B2%A4%E5%9F%8E", "http://example.com:8080/x?q=%E9%B2%A4%E5%9F%8E"),
])
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


def test_simhash_index_finds_neighbours_and_links_to_the_root():
    index = SimhashIndex()
    index.add(1, "ffff0000ffff0000", None)
    index.add(2, "ffff0000ffff0003", 1)  # already a duplicate of 1
    assert index.nearest("ffff0000ffff0007", 5) == 1  # 3 bits from post 1
    assert index.nearest("0000ffff0000ffff", 5) is None
    with pytest.raises(ValueError):
        index.nearest("ffff0000ffff0000", 9)


@pytest.mark.slow
def test_three_levels_of_dedup_across_two_sources(db):
    with TroubleSite() as site:
        add_source("original", "rss", f"{site.url}/feed/original.xml", {"download_delay": 0})
        add_source("reposts", "rss", f"{site.url}/feed/reposts.xml", {"download_delay": 0})
        first = crawl(["original"])[0]
        assert first.stored == 3 and first.dropped == {"duplicate_content": 1}
        second = crawl(["reposts"])[0]
        assert second.error is None, second.describe()
        a, b, c, other = site.feed_messages
        originals = {p.url.rsplit("/", 1)[1].removesuffix(".html"): p for p in stored_posts("original")}
        reposts = {p.url.rsplit("/", 1)[1].removesuffix(".html"): p for p in stored_posts("reposts")}
        assert second.skipped_known == 1  # c's URL with tracking parameters and a fragment
        assert second.dropped == {"duplicate_url": 1}  # the unrelated post's URL twice in one feed
        assert set(reposts) == {a.msg_id, b.msg_id, other.msg_id}
        assert reposts[a.msg_id].duplicate_of_id == originals[a.msg_id].id  # content hash
        assert reposts[b.msg_id].duplicate_of_id == originals[b.msg_id].id  # near-duplicate
        assert reposts[b.msg_id].content_hash != originals[b.msg_id].content_hash
        assert reposts[other.msg_id].duplicate_of_id is None
        assert second.linked == 2
