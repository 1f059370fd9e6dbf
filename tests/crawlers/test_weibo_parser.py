"""The Weibo mobile-JSON parser on saved pages (tests/crawlers/pages/weibo_*.json)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.parsers.weibo import html_to_text, parse_container, parse_count, parse_created_at
from yuqing.errors import BadInput

PAGES = Path(__file__).parent / "pages"
NOW = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)  # 12:00 in Beijing


def test_search_page_posts_counts_and_pagination():
    page = parse_container((PAGES / "weibo_search_page1.json").read_bytes(), now=NOW)
    ids = [p.id for p in page.posts]
    # the card group is flattened, the repeated hot post kept once, the card without id dropped with a reason
    assert ids == ["4912345678901234", "4912345678900001", "4912345678900002", "4912345678900003", "4912345678900004"]
    assert page.next_page == 2
    assert any("numeric id" in reason for reason in page.dropped)
    assert any("'abc'" in reason for reason in page.dropped)  # a broken count drops that card only
    first, long_post, topic_post, repost, old = page.posts
    assert first.url == "https://m.weibo.cn/detail/4912345678901234"
    assert first.text.endswith("[赞]") and "<" not in first.text  # emoticon image → its alt text
    assert (first.reposts, first.comments, first.likes) == (0, 3, 12)
    assert (long_post.reposts, long_post.comments, long_post.likes) == (12_000, 356, 1_000_000)
    assert long_post.is_long_text
    assert (topic_post.reposts, topic_post.comments) == (0, 0)  # the site shows the label "转发" for zero
    assert topic_post.topics == ["鲤城"]
    assert repost.retweet_of == "4912345678800000"
    assert repost.text.startswith("转发微博\n//转发原文: 不过今天热身")
    assert first.author == "鲤城小明" and first.author_id == "5123456001"
    assert first.region == "福建"


def test_relative_and_absolute_times():
    page = parse_container((PAGES / "weibo_search_page1.json").read_bytes(), now=NOW)
    times = {p.id: p.published_at for p in page.posts}
    assert times["4912345678901234"] == NOW
    assert times["4912345678900001"] == datetime(2026, 11, 21, 3, 55, tzinfo=UTC)
    assert times["4912345678900002"] == datetime(2026, 11, 21, 0, 15, tzinfo=UTC)  # 今天 08:15 Beijing
    assert times["4912345678900003"] == datetime(2026, 11, 20, 14, 40, tzinfo=UTC)  # 昨天 22:40
    assert times["4912345678900004"] == datetime(2026, 11, 19, 16, 0, tzinfo=UTC)  # 11-20, midnight Beijing


def test_timeline_since_id_and_year_rollover():
    page = parse_container((PAGES / "weibo_timeline_since_id.json").read_bytes(), now=NOW, site="http://127.0.0.1:9")
    assert page.since_id == "4912345678700010"
    assert page.next_page is None
    assert len(page.posts) == 6
    assert page.posts[0].url == "http://127.0.0.1:9/detail/4912345678700001"
    assert page.posts[-1].published_at == datetime(2025, 12, 29, 16, 0, tzinfo=UTC)
    january = datetime(2027, 1, 2, 4, 0, tzinfo=UTC)
    assert parse_created_at("12-30", now=january) == datetime(2026, 12, 29, 16, 0, tzinfo=UTC)


def test_end_of_results_and_bad_answers():
    end = parse_container((PAGES / "weibo_search_end.json").read_bytes(), now=NOW)
    assert end.posts == [] and end.next_page is None
    with pytest.raises(BadInput, match="not JSON"):
        parse_container(b"<html>login required</html>", now=NOW)
    with pytest.raises(BadInput, match="no 'data'"):
        parse_container(b'{"ok": 1}', now=NOW)
    with pytest.raises(BadInput, match="created_at"):
        parse_created_at("前天下午", now=NOW)


@pytest.mark.parametrize(("raw", "expected"), [
    (0, 0), ("17", 17), ("1.2万", 12_000), ("100万+", 1_000_000), ("3亿", 300_000_000), ("", 0), ("赞", 0),
])
def test_counts(raw, expected):
    assert parse_count(raw) == expected


def test_html_to_text_keeps_lines_and_drops_markup():
    text = html_to_text('第一行<br />第二行 <a href="/n/某人">@某人</a>&amp;更多<span class="url-icon"><img alt="[哈哈]"></span>')
    assert text == "第一行\n第二行 @某人&更多[哈哈]"


def test_control_characters_and_lone_surrogates_are_dropped_not_fatal():
    # found by the fuzz run: lxml refuses a tree holding a form feed or a lone surrogate
    assert html_to_text("鲤城\f积水<br>中山路\ud800口\x00") == "鲤城积水\n中山路口"


def test_long_post_cut_at_full_text_link_and_pinned_marks():
    from crawlers.parsers.weibo import extend_url, is_pinned, parse_extend

    page = parse_container((PAGES / "weibo_search_page1.json").read_bytes(), now=NOW)
    long_post = page.posts[1]
    assert long_post.is_long_text and not long_post.text.endswith("全文") and long_post.own_text == long_post.text
    assert extend_url(long_post.id) == f"https://m.weibo.cn/statuses/extend?id={long_post.id}"
    assert parse_extend('{"ok":1,"data":{"ok":1,"longTextContent":"第一段<br />第二段 <a href=\\"/n/x\\">@x</a>"}}') \
        == "第一段\n第二段 @x"
    assert is_pinned({"isTop": 1}) and is_pinned({"mblogtype": 2}) and is_pinned({"title": {"text": "置顶"}})
    assert not is_pinned({"isTop": 0, "mblogtype": 0, "title": {"text": "热门"}}) and not any(p.pinned for p in page.posts)
