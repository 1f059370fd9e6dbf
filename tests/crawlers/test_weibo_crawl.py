"""Real crawls of the local Weibo-shaped JSON API (crawlers/testsites/weiboapi.py): posts with
reposts/comments/likes, their time series on re-crawl, and pagination that stops at known posts."""

from __future__ import annotations

import pytest
from sqlmodel import select

from crawlers.runner import crawl
from crawlers.testsites.weiboapi import FIRST_ID, TIMELINE_UID, WeiboApi, texts
from tests.crawlers.helpers import add_source, stored_posts
from yuqing.db import session_scope
from yuqing.models import PostMetric

pytestmark = pytest.mark.slow

SEARCH = "/api/container/getIndex?containerid=100103type%3D1%26q%3D%E9%B2%A4%E5%9F%8E&page_type=searchall"


@pytest.fixture
def api():
    with WeiboApi(released=25) as running:
        yield running


def metrics(post_id: int) -> list[tuple[int, int, int]]:
    with session_scope() as session:
        points = session.exec(select(PostMetric).where(PostMetric.post_id == post_id).order_by(PostMetric.at, PostMetric.id))
        return [(m.reposts, m.comments, m.likes) for m in points]


def test_engagement_time_series_on_recrawl(db, api):
    # the test posts are from 2026-11-20; a wide refresh window keeps every one of them "young"
    add_source("weibo_search", "json_api", api.url + SEARCH, {"download_delay": 0, "refresh_hours": 1_000_000})
    first = crawl(["weibo_search"])[0]
    assert first.error is None, first.describe()
    posts = {p.external_id: p for p in stored_posts("weibo_search")}
    assert len(posts) == 25 and first.stored == 25
    post = posts[str(FIRST_ID + 4)]
    assert post.url == f"{api.url}/detail/{FIRST_ID + 4}"
    assert post.text == texts()[4].replace("\u200b", "").strip()
    assert (post.reposts, post.comments, post.likes) == api.counts(4)
    repost = posts[str(FIRST_ID + 6)]
    assert repost.text.startswith("转发微博\n//转发原文: ")
    assert len(api.page_hits("/api/")) == 3  # 25 posts, 10 a page

    api.tick()
    api.release(2)
    second = crawl(["weibo_search"])[0]
    assert second.error is None, second.describe()
    assert second.stored == 2 and second.updated == 25
    series = metrics(post.id)
    assert len(series) == 2 and series[1] == api.counts(4) and series[1] > series[0]
    refreshed = {p.external_id: p for p in stored_posts("weibo_search")}[str(FIRST_ID + 4)]
    assert (refreshed.reposts, refreshed.comments, refreshed.likes) == api.counts(4)

    # nothing changed since: a third crawl adds no point to any series
    third = crawl(["weibo_search"])[0]
    assert third.updated == 0 and len(metrics(post.id)) == 2


def test_pagination_stops_at_known_old_posts(db, api):
    add_source("weibo_search", "json_api", api.url + SEARCH, {"download_delay": 0, "refresh_hours": 1})
    assert crawl(["weibo_search"])[0].stored == 25
    api.release(3)
    api.hits.clear()
    second = crawl(["weibo_search"])[0]
    assert second.stored == 3 and second.updated == 0
    # page 1 had new posts, so page 2 was read; it held only known, old posts: page 3 never was
    assert sorted(api.page_hits("/api/")) == [SEARCH, SEARCH + "&page=2"]


def test_user_timeline_by_since_id(db):
    with WeiboApi(released=60) as api:
        url = f"{api.url}/api/container/getIndex?containerid=107603{TIMELINE_UID}"
        add_source("weibo_timeline", "json_api", url, {"download_delay": 0})
        result = crawl(["weibo_timeline"])[0]
        assert result.error is None, result.describe()
        assert result.stored == 20  # every third post is this user's
        assert any("since_id=" in path for path in api.page_hits("/api/"))


def test_not_json_is_a_clear_error(db, api):
    add_source("weibo_bad", "json_api", api.url + "/robots.txt", {"download_delay": 0})
    result = crawl(["weibo_bad"])[0]
    assert result.error and "not JSON" in result.error
