"""The crawl's parsers as fuzz targets: each takes raw bytes, as they come off the network. The
contract every target keeps: return a result, or raise BadInput (a clear error the crawl logs as a
dropped page with its reason). Any other exception is a bug. Used by the property tests
(tests/scale/test_bad_input.py) and by the long fuzz run (scripts/fuzz.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache

from yuqing.errors import BadInput

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
URL = "http://127.0.0.1:8765/page"


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


@cache
def _board_config() -> dict:
    from yuqing.sources import load_sources

    specs, _problems = load_sources(demo_url="http://127.0.0.1:8765")
    for spec in specs:
        if spec.kind == "board" and spec.url.startswith("http://127.0.0.1:8765"):
            return spec.config_dict()
    raise LookupError("no demo board in config/sources.yaml")


def feed(data: bytes):
    from crawlers.parsers.feed import parse_feed

    return parse_feed(data)


def article(data: bytes):
    from crawlers.parsers.article import parse_article

    return parse_article(_text(data), url=URL)


def text_page(data: bytes):
    from crawlers.parsers.article import parse_text_page

    return parse_text_page(_text(data), url=URL)


def sitewatch(data: bytes):
    from crawlers.parsers.sitewatch import injection_findings, inspect_page

    return injection_findings(inspect_page(_text(data), url=URL, own_hosts={"127.0.0.1"}))


def weibo(data: bytes):
    from crawlers.parsers.weibo import parse_container

    return parse_container(data, now=NOW)


# Scrapy builds a board page's selector as HTML whatever the body looks like (parsel alone would
# sniff "[]" as JSON), so the targets do the same.
def board_list(data: bytes):
    from parsel import Selector

    from crawlers.parsers.board import parse_list

    return parse_list(Selector(text=_text(data) or "<html></html>", type="html"), URL, _board_config()["list"])


def board_detail(data: bytes):
    from parsel import Selector

    from crawlers.parsers.board import parse_detail

    return parse_detail(Selector(text=_text(data) or "<html></html>", type="html"), _board_config()["detail"])


TARGETS: dict[str, Callable[[bytes], object]] = {
    "feed": feed, "article": article, "text_page": text_page, "sitewatch": sitewatch, "weibo": weibo,
    "board_list": board_list, "board_detail": board_detail,
}
ALLOWED = (BadInput,)

# Seeds that look like the real thing, so mutations reach deep into the parsers.
SEEDS: dict[str, list[bytes]] = {
    "feed": [
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>鲤城</title><item><title>'
        '开元街道通知</title><link>http://127.0.0.1/a/1</link><pubDate>Tue, 24 Nov 2026 08:00:00 +0800</pubDate>'
        '<description><![CDATA[<p>道路施工<b>公告</b></p>]]></description></item></channel></rss>'.encode(),
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>积水</title><link href="http://127.0.0.1/b"/>'
        '<updated>2026-11-24T08:00:00+08:00</updated><summary>中山路积水</summary></entry></feed>'.encode(),
    ],
    "article": [
        '<html><head><title>关于中山路改造的通知_鲤城区人民政府</title><meta name="PubDate" content="2026-11-20 09:00">'
        '</head><body><div class="nav">首页 > 通知公告</div><h1>关于中山路改造的通知</h1><div class="content">'
        '<p>为改善中山路沿线居民出行条件，区住建局将于十二月起对中山路进行改造施工。</p><p>施工期间请绕行。</p></div>'
        '<div class="footer">[收藏] [打印] [關閉]</div></body></html>'.encode(),
    ],
    "weibo": [
        b'{"ok":1,"data":{"cards":[{"card_type":9,"mblog":{"id":"5001","mid":"5001","created_at":"Tue Nov 24 08:00:00'
        b' +0800 2026","text":"\\u9ca4\\u57ce\\u533a <a href=\\"/n/x\\">@x</a> \\u79ef\\u6c34","user":{"id":1,'
        b'"screen_name":"a"},"reposts_count":"1\\u4e07+","comments_count":3,"attitudes_count":10}}]}}',
        b'{"ok":0,"data":{}}',
    ],
    "board_list": [
        '<ul><li class="msg-item" data-id="7"><a class="msg-title" href="/m/7">小区停水</a>'
        '<span class="msg-time">2026-11-24 08:00</span><span class="msg-likes">12</span>'
        '<span class="msg-status">已回复</span></li></ul><a class="next" href="?page=2">下一页</a>'.encode(),
    ],
    "board_detail": [
        '<h1 class="msg-title">小区停水三天</h1><div class="msg-body">开元街道某小区停水三天无人处理。</div>'.encode(),
    ],
}
SEEDS["text_page"] = SEEDS["article"]
SEEDS["sitewatch"] = SEEDS["article"] + [
    '<html><body><p>政务公开</p><div style="display:none"><a href="http://casino.example/">博彩</a></div>'
    '</body></html>'.encode(),
]


def run(name: str, data: bytes):
    """Call one target; BadInput passes through (the allowed outcome), anything else is a finding."""
    try:
        return TARGETS[name](data)
    except ALLOWED:
        return None
