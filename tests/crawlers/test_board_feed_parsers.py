"""Page objects on saved pages: the demo board (list, detail, detail with reply), RSS and Atom."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from parsel import Selector

from crawlers.parsers.board import parse_detail, parse_list
from crawlers.parsers.feed import parse_feed
from crawlers.parsers.fields import parse_datetime, parse_int
from yuqing.errors import BadInput
from yuqing.sources import load_sources

PAGES = Path(__file__).parent / "pages"


@pytest.fixture(scope="module")
def board_config():
    specs, problems = load_sources(demo_url="http://demo.example")
    assert problems == []
    return next(s for s in specs if s.name == "demo_board").config_dict()


def page(name: str) -> Selector:
    return Selector(text=(PAGES / name).read_text(encoding="utf-8"))


def test_list_page_rows_newest_first_with_next_link(board_config):
    listing = parse_list(page("demo_board_list_p1.html"), "http://demo.example/messages?page=1", board_config["list"])
    assert len(listing.rows) == 20
    assert listing.next_url == "http://demo.example/messages?page=2"
    first = listing.rows[0]
    assert first.url.startswith("http://demo.example/messages/") and first.url.endswith(".html")
    assert first.external_id and first.title
    times = [row.posted for row in listing.rows]
    assert times == sorted(times, reverse=True)
    assert all(row.signature and len(row.signature) == 32 for row in listing.rows)


def test_last_list_page_has_no_next(board_config):
    listing = parse_list(page("demo_board_list_last.html"), "http://demo.example/messages?page=3", board_config["list"])
    assert listing.next_url is None
    assert len(listing.rows) == 20


def test_detail_page_fields(board_config):
    fields = parse_detail(page("demo_board_detail.html"), board_config["detail"])
    assert fields["external_id"] == "210896"
    assert fields["author"] == "A00031618"
    assert fields["likes"] == 1
    assert fields["published_at"] == datetime(2019, 1, 2, 9, 25, 52, tzinfo=UTC)  # 17:25:52 in China
    assert fields["title"] and fields["text"].startswith(fields["title"][:4])
    assert fields["reply_text"] is None and fields["reply_at"] is None
    assert "[收藏]" not in fields["text"]


def test_detail_page_with_the_official_reply(board_config):
    fields = parse_detail(page("demo_board_detail_reply.html"), board_config["detail"])
    assert fields["external_id"] == "137164"
    assert fields["reply_text"] and len(fields["reply_text"]) > 50
    assert fields["reply_at"] == datetime(2019, 1, 14, 2, 57, 26, tzinfo=UTC)
    assert fields["reply_text"] not in fields["text"]


def test_rss_feed_entries():
    entries = parse_feed((PAGES / "demo_rss.xml").read_bytes())
    assert len(entries) == 30
    entry = entries[0]
    assert entry.link.startswith("http://demo.example/messages/")
    assert entry.guid.startswith("msg-") and entry.author and entry.text and entry.title
    assert entry.published_at.tzinfo is not None
    assert entries[0].published_at >= entries[-1].published_at


def test_atom_feed_in_traditional_characters_is_kept_as_published():
    entries = parse_feed((PAGES / "atom_traditional.xml").read_bytes())
    assert [e.guid for e in entries] == ["urn:msg:33343", "urn:msg:282804"]
    assert entries[0].title == "諮詢B市職業資格類補貼政策問題"
    assert "據瞭解" in entries[0].text
    assert entries[0].published_at == datetime(2019, 5, 5, 3, 46, 16, tzinfo=UTC)
    assert entries[0].link == "http://tw.example/posts/33343?utm_source=feed#top"


@pytest.mark.parametrize("body", [b"<html><body>not a feed</body></html>", b"", b"\x00\x01garbage"])
def test_something_that_is_not_a_feed_is_a_clear_error(body):
    with pytest.raises(BadInput, match="not an RSS/Atom feed"):
        parse_feed(body)


def test_an_unreadable_namespace_or_entry_is_bad_input_or_a_logged_drop(caplog):
    # found by hypothesis: lxml's recover mode keeps a lone surrogate it then cannot read back
    with pytest.raises(BadInput, match="unreadable root element"):
        parse_feed(b'<feed xmlns="&#xD800;http://www.w3.org/2005/Atom"><entry><title>x</title></entry></feed>')
    entries = parse_feed(b"<rss><channel><item><title>bad</title><link>&#xD800;</link></item>"
                         b"<item><title>good</title><link>http://127.0.0.1/b</link></item></channel></rss>")
    assert [e.title for e in entries] == ["good"]
    assert "feed entry dropped: unreadable" in caplog.text


@pytest.mark.parametrize("text, expected", [
    ("2019-02-25 23:00:53", datetime(2019, 2, 25, 15, 0, 53, tzinfo=UTC)),
    ("留言时间：2019/2/8 9:05", datetime(2019, 2, 8, 1, 5, tzinfo=UTC)),
    ("2019年2月8日 09时05分", datetime(2019, 2, 8, 1, 5, tzinfo=UTC)),
    ("2019年2月8日", datetime(2019, 2, 7, 16, 0, tzinfo=UTC)),
    ("Mon, 25 Feb 2019 23:00:53 +0800", datetime(2019, 2, 25, 15, 0, 53, tzinfo=UTC)),
    ("2019-02-25T23:00:53Z", datetime(2019, 2, 25, 23, 0, 53, tzinfo=UTC)),
    ("2019-02-30", None),
    ("no date here", None),
])
def test_dates(text, expected):
    assert parse_datetime(text) == expected


@pytest.mark.parametrize("text, expected", [("点赞数：1,234", 1234), ("1.2万", 12000), ("", 0), (None, 0), ("赞", 0)])
def test_numbers(text, expected):
    assert parse_int(text) == expected


def test_a_row_whose_link_is_not_a_url_is_dropped_with_the_reason(caplog):
    page = Selector(text='<ul><li><a href="http://[bad/">坏链接</a></li><li><a href="/m/2">好链接</a></li></ul>')
    rows = parse_list(page, "http://127.0.0.1/list", {"item": "li", "link": "a::attr(href)"}).rows
    assert [row.url for row in rows] == ["http://127.0.0.1/m/2"]
    assert "is not a URL" in caplog.text
