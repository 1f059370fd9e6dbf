"""Real crawls of the local Weibo-shaped API: long posts stored whole (the extend endpoint), pinned
posts marked and never taken for news that the next page is worth reading."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.parsers.weibo import parse_container, parse_extend
from crawlers.runner import crawl
from crawlers.testsites.weiboapi import CUT_AT, FIRST_ID, TIMELINE_UID, WeiboApi, full_text
from tests.crawlers.helpers import add_source, stored_posts
from yuqing.errors import BadInput

SEARCH = "/api/container/getIndex?containerid=100103type%3D1%26q%3D%E9%B2%A4%E5%9F%8E&page_type=searchall"
TIMELINE = f"/api/container/getIndex?containerid=107603{TIMELINE_UID}"
PAGES = Path(__file__).parent / "pages"


def test_parser_marks_cut_long_posts_and_pinned_posts():
    from datetime import UTC, datetime

    with WeiboApi(released=20) as api:
        import urllib.request

        body = urllib.request.urlopen(api.url + TIMELINE).read()  # noqa: S310 - the local test API
        extend = urllib.request.urlopen(f"{api.url}/statuses/extend?id={FIRST_ID + 15}").read()  # noqa: S310
    page = parse_container(body, now=datetime(2026, 11, 22, tzinfo=UTC))
    pinned, *rest = page.posts
    assert pinned.pinned and pinned.id == str(FIRST_ID) and not any(p.pinned for p in rest)
    long_post = next(p for p in rest if p.id == str(FIRST_ID + 15))
    assert long_post.is_long_text and long_post.text == full_text(15)[:CUT_AT] and "全文" not in long_post.text
    assert parse_extend(extend) == full_text(15)
    with pytest.raises(BadInput, match="long text"):
        parse_extend(b'{"ok": 0, "msg": "\\u5fae\\u535a\\u4e0d\\u5b58\\u5728"}')


@pytest.mark.slow
def test_long_posts_are_stored_whole(db):
    with WeiboApi(released=25) as api:
        add_source("weibo_search", "json_api", api.url + SEARCH, {"download_delay": 0, "refresh_hours": 1})
        result = crawl(["weibo_search"])[0]
        assert result.error is None, result.describe()
        posts = {p.external_id: p for p in stored_posts("weibo_search")}
        assert len(posts) == 25
        for index in (5, 15):
            assert len(full_text(index)) > 2 * CUT_AT
            assert posts[str(FIRST_ID + index)].text == full_text(index)
        # only the long ones, once each
        assert api.page_hits("/statuses/extend") == {f"/statuses/extend?id={FIRST_ID + i}": 1 for i in (5, 15)}

        # known posts are not fetched again: a second crawl asks for no long text
        api.hits.clear()
        api.release(1)  # index 25: a long post, new
        second = crawl(["weibo_search"])[0]
        assert second.stored == 1 and api.page_hits("/statuses/extend") == {f"/statuses/extend?id={FIRST_ID + 25}": 1}
        assert {p.external_id: p for p in stored_posts("weibo_search")}[str(FIRST_ID + 25)].text == full_text(25)


@pytest.mark.slow
def test_long_text_endpoint_down_stores_the_cut_text(db):
    with WeiboApi(released=10) as api:
        api.extend_works = False
        add_source("weibo_search", "json_api", api.url + SEARCH, {"download_delay": 0})
        result = crawl(["weibo_search"])[0]
        post = {p.external_id: p for p in stored_posts("weibo_search")}[str(FIRST_ID + 5)]
    assert result.stored == 10
    assert post.text == full_text(5)[:CUT_AT]


@pytest.mark.slow
def test_pinned_post_is_marked_and_not_mistaken_for_new(db):
    with WeiboApi(released=60, pinned=None) as api:
        config = {"download_delay": 0, "refresh_hours": 1}
        add_source("weibo_timeline", "json_api", api.url + TIMELINE, {**config, "max_pages": 1})
        first = crawl(["weibo_timeline"])[0]
        assert first.error is None and first.stored == 10

        # the account pins its oldest post, one this crawler never saw (it is on the last page)
        api.pinned = 0
        api.hits.clear()
        add_source("weibo_timeline", "json_api", api.url + TIMELINE, config)
        second = crawl(["weibo_timeline"])[0]
        assert second.error is None, second.describe()
        assert second.stored == 1  # the pinned post itself, new to the store ...
        # ... but no sign of news: the rest of page 1 is known, so page 2 is never read
        assert sorted(api.page_hits("/api/")) == [TIMELINE]
        posts = {p.external_id: p for p in stored_posts("weibo_timeline")}
        assert posts[str(FIRST_ID)].crawl_signature == "weibo:pinned"
        assert [p.external_id for p in posts.values() if p.crawl_signature] == [str(FIRST_ID)]
