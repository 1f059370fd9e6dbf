"""Forum lists (Discuz! X, Baidu Tieba) and the relative times boards print, read against the crawl
time in the source's zone; the Discuz! pager printed twice gives one next-page link."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from parsel import Selector

from crawlers.parsers.board import parse_list
from crawlers.parsers.reltime import parse_relative, parse_time
from crawlers.runner import crawl
from crawlers.testsites.base import Answer, LocalSite
from tests.crawlers.helpers import add_source, stored_posts
from yuqing.clock import now as clock_now

PAGES = Path(__file__).parent / "pages"
BEIJING = timezone(timedelta(hours=8))
NOON = datetime(2024, 6, 14, 12, 0, tzinfo=BEIJING)  # the crawl time

DISCUZ = {
    "item": "tbody[id^=normalthread_]",  # sticky threads (stickthread_) are the forum's rules, not news
    "link": "a.xst::attr(href)",
    "id": {"xpath": "./@id", "re": r"normalthread_(\d+)"},
    "title": "a.xst::text",
    "time": {"xpath": "(.//td[@class='by'])[1]/em"},
    "signature": [{"css": "td.num a::text"}],
    "next": "div.pg a.nxt::attr(href)",
}
TIEBA = {
    "item": "li.j_thread_list",
    "link": "a.j_th_tit::attr(href)",
    "id": {"xpath": "./@data-tid"},
    "title": "a.j_th_tit::text",
    "time": "span.is_show_create_time::text",
    "next": "a.next::attr(href)",
}


def local(*args) -> datetime:
    return datetime(*args, tzinfo=BEIJING).astimezone(UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("刚刚", local(2024, 6, 14, 12, 0)),
    ("5分钟前", local(2024, 6, 14, 11, 55)),
    ("5 分钟前", local(2024, 6, 14, 11, 55)),
    ("半小时前", local(2024, 6, 14, 11, 30)),
    ("3 小时前", local(2024, 6, 14, 9, 0)),
    ("3 天前", local(2024, 6, 11, 12, 0)),
    ("3\xa0天前", local(2024, 6, 11, 12, 0)),
    ("今天 08:15", local(2024, 6, 14, 8, 15)),
    ("昨天 16:09", local(2024, 6, 13, 16, 9)),
    ("昨天16:09", local(2024, 6, 13, 16, 9)),
    ("前天 10:00", local(2024, 6, 12, 10, 0)),
    ("发表于 昨天 16:09", local(2024, 6, 13, 16, 9)),
    ("11:40", local(2024, 6, 14, 11, 40)),
    ("16:09", local(2024, 6, 13, 16, 9)),  # later than the crawl today: yesterday's
    ("06-14", local(2024, 6, 14)),
    ("6-13", local(2024, 6, 13)),
    ("06-14 16:09", local(2024, 6, 14, 16, 9)),  # within a day ahead: clock skew, this year
    ("12-30", local(2023, 12, 30)),  # in the future: last year
    ("6月13日", local(2024, 6, 13)),
    ("2022-10", local(2022, 10, 1)),
    ("前天下午", None), ("13-45", None), ("25:61", None), ("", None), ("回复", None),
])
def test_relative_and_partial_times(text, expected):
    assert parse_relative(text, now=NOON, tz="Asia/Shanghai") == expected


def test_absolute_times_first_and_the_zone_of_the_source():
    assert parse_time("2024-4-6 20:46", now=NOON) == local(2024, 4, 6, 20, 46)
    assert parse_time("发表于 2024-4-5 23:20:45", now=NOON) == local(2024, 4, 5, 23, 20, 45)
    # a forum in Taipei prints the same wall clock as Beijing; one in London does not
    assert parse_time("昨天 16:09", now=NOON, tz="Asia/Taipei") == local(2024, 6, 13, 16, 9)
    assert parse_time("昨天 16:09", now=NOON, tz="Europe/London") == datetime(2024, 6, 13, 15, 9, tzinfo=UTC)
    # default zone: the product's (YUQING_TIMEZONE, Asia/Shanghai)
    assert parse_time("昨天 16:09", now=NOON) == local(2024, 6, 13, 16, 9)


def test_discuz_list_rows_times_and_one_next_page():
    page = Selector(text=(PAGES / "forum_discuz_list.html").read_text(encoding="utf-8"))
    base = "https://csolbbs.tiancity.com/forum.php?mod=forumdisplay&fid=37"
    listing = parse_list(page, base, DISCUZ, now=NOON)
    # the pager is printed above and below the list: one link, not the two joined
    assert listing.next_url == "https://csolbbs.tiancity.com/forum.php?mod=forumdisplay&fid=37&page=2"
    assert [row.external_id for row in listing.rows][:2] == ["38690", "38689"]
    assert all(row.url.startswith("https://csolbbs.tiancity.com/forum.php?mod=viewthread&tid=") for row in listing.rows)
    times = {row.title: row.posted for row in listing.rows}
    assert times == {
        "更新后进不去游戏，一直卡在登录界面": local(2024, 6, 14, 12, 0),
        "新版本的平衡性怎么看": local(2024, 6, 14, 11, 55),
        "求组队，每晚八点灾变模式": local(2024, 6, 14, 11, 30),
        "客服回复太慢了，工单三天没人处理": local(2024, 6, 14, 9, 0),
        "建议增加新手引导": local(2024, 6, 13, 16, 9),
        "充值没到账怎么办": local(2024, 6, 12, 10, 0),
        "端午活动奖励什么时候发": local(2024, 6, 11, 12, 0),
        "建议对鼠神进行改版": local(2024, 4, 6, 20, 46),
        "服务器延迟高": local(2024, 4, 5),
    }


def test_tieba_list_shipped_inside_html_comments():
    page = Selector(text=(PAGES / "forum_tieba_list.html").read_text(encoding="utf-8"))
    evening = datetime(2024, 6, 14, 18, 0, tzinfo=BEIJING)
    listing = parse_list(page, "https://tieba.baidu.com/f?kw=%E6%B3%89%E5%B7%9E&ie=utf-8", TIEBA, now=evening)
    assert listing.next_url == "https://tieba.baidu.com/f?kw=%E6%B3%89%E5%B7%9E&ie=utf-8&pn=50"
    assert listing.rows[0].url == "https://tieba.baidu.com/p/9012345678"
    assert [row.posted for row in listing.rows] == [
        local(2024, 6, 14, 12, 31), local(2024, 6, 14, 16, 9), local(2024, 6, 13), local(2024, 1, 5),
        local(2023, 12, 30), local(2022, 10, 1),
    ]
    assert all(row.posted is not None for row in listing.rows)


def test_next_link_that_is_not_a_web_address_is_no_next_page():
    page = Selector(text='<ul><li><a href="/t/1">帖子</a></li></ul><a class="nxt" href="javascript:;">下一页</a>'
                         '<a class="nxt" href="list?page=2">下一页</a>')
    listing = parse_list(page, "http://127.0.0.1/list", {"item": "li", "link": "a::attr(href)",
                                                         "next": "a.nxt::attr(href)"})
    assert listing.next_url == "http://127.0.0.1/list?page=2"


class DiscuzForum(LocalSite):
    """Three list pages of the saved Discuz! list (pager above and below), each thread a detail page
    whose post time is relative ("发表于 3 天前")."""

    def answer(self, path, query):
        params = dict(parse_qsl(query))
        if path != "/forum.php":
            return Answer(404, b"not found")
        if params.get("mod") == "forumdisplay":
            number = int(params.get("page", "1"))
            if not 1 <= number <= 3:
                return Answer(404, b"not found")
            page = (PAGES / "forum_discuz_list.html").read_text(encoding="utf-8")
            # each page its own threads: tid 38690 on page 2 is 38590
            page = re.sub(r"(?<=tid=)(\d+)|(?<=thread_)(\d+)|(?<=CONTENT_TID=')(\d+)",
                          lambda m: str(int(m.group(0)) - 100 * (number - 1)), page)
            page = page.replace("page=2", f"page={number + 1}")
            if number == 3:
                page = page.replace(' class="nxt"', "")
            return Answer(body=page.encode("utf-8"))
        if params.get("mod") == "viewthread":
            tid = params.get("tid", "")
            return Answer(body=f"""<html><head><meta charset="utf-8"><title>帖子 {tid}</title></head><body>
<h1 class="ts"><span id="thread_subject">帖子 {tid}</span></h1>
<div class="authi"><a href="home.php?mod=space&amp;uid=1" class="xw1">前程往事</a>
<em id="authorposton{tid}">发表于 <span title="2024-6-13 16:09">昨天&nbsp;16:09</span></em></div>
<table><tr><td class="t_f" id="postmessage_{tid}">建议对鼠神进行改版，现在的鼠神说是传奇，跟别的传奇差太远了。</td></tr></table>
</body></html>""".encode())
        return Answer(404, b"not found")


@pytest.mark.slow
def test_discuz_crawl_follows_the_pager_printed_twice(db):
    with DiscuzForum() as forum:
        config = {"download_delay": 0, "list": DISCUZ, "detail": {
            "title": "#thread_subject::text", "body": "td.t_f", "published": "em[id^=authorposton]",
            "author": "div.authi a.xw1::text"}}
        add_source("csol_forum", "board", forum.url + "/forum.php?mod=forumdisplay&fid=37", config)
        started = clock_now()
        result = crawl(["csol_forum"])[0]
        assert result.error is None, result.describe()
        lists = forum.page_hits("/forum.php?mod=forumdisplay")
        assert len(lists) == 3, lists  # the crawl went past page 1
        posts = stored_posts("csol_forum")
        assert len(posts) == 27  # 9 normal threads a page; the sticky rules thread is not a post
        # 昨天 16:09 read against the crawl time in Beijing
        yesterday = (started.astimezone(BEIJING) - timedelta(days=1)).date()
        expected = datetime(yesterday.year, yesterday.month, yesterday.day, 16, 9, tzinfo=BEIJING)
        assert {p.published_at.replace(tzinfo=UTC) for p in posts} == {expected.astimezone(UTC)}


def test_a_source_timezone_must_be_a_zone_name():
    from pydantic import ValidationError

    from yuqing.sources import CommonOptions

    assert CommonOptions(timezone="Asia/Taipei").timezone == "Asia/Taipei"
    with pytest.raises(ValidationError, match="not a time zone name"):
        CommonOptions(timezone="Beijing")


# --- real thread pages (../shared/data/pages/forum) read by the board detail parser ---

REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "pages"
THREADS = {
    "forum/csol_discuz_1.html": {  # Discuz! X: the first post's <td class="t_f">, lines split by <br>
        "title": "#thread_subject::text", "body": {"xpath": "(//td[contains(@class,'t_f')])[1]//text()"},
        "published": {"xpath": "(//em[starts-with(@id,'authorposton')])[1]"},
        "author": {"xpath": "(//div[@class='authi']/a)[1]/text()"}},
    "forum/tieba_1.html": {  # Tieba: 1楼's post_content and its tail-info time
        "title": {"xpath": "//h3[contains(@class,'core_title_txt')]/@title"},
        "body": {"xpath": "(//div[starts-with(@id,'post_content_')])[1]//text()"},
        "published": {"xpath": "(//div[contains(@class,'l_post')])[1]//span[@class='tail-info'][last()]"},
        "author": {"xpath": "(//div[contains(@class,'l_post')])[1]//a[contains(@class,'p_author_name')]/text()"}},
}


def truth(name: str) -> dict | None:
    import csv

    if not (REAL / "truth.csv").exists():
        return None
    with (REAL / "truth.csv").open(encoding="utf-8", newline="") as handle:
        return next((row for row in csv.DictReader(handle) if row["file"] == name), None)


@pytest.mark.parametrize("name", sorted(THREADS))
def test_real_forum_threads_read_by_the_board_parser(name):
    from crawlers.parsers.board import parse_detail

    row = truth(name)
    if row is None:
        pytest.skip("../shared/data/pages is not on this machine")
    fields = parse_detail(Selector(text=(REAL / name).read_text(encoding="utf-8")), THREADS[name], now=NOON)
    assert fields["title"] == row["title"]
    assert fields["published_at"].astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M") == row["published"]
    assert row["source"].startswith(fields["author"])
    body = "".join(fields["text"].split())
    assert body.startswith(row["body_first30"]) and body.endswith(row["body_last30"])
