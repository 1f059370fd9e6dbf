"""A badly behaved message board on 127.0.0.1, for the crawler's encoding and bad-input tests.

It serves real messages of the demo data (data/demo_site/) with the demo board's markup, so the
`demo_board` selectors read it, under one folder per kind of trouble:

    /enc/all/list (UTF-8, links every variant's pages), /enc/<codec>-<how>/list, /enc/<codec>-<how>/msg/<i>.html
        codec: utf8 | gbk | gb18030 | big5 (Big5 pages carry the traditional text, via OpenCC s2t)
        how:   header (charset in Content-Type) | meta (<meta charset>) | none (undeclared)
               | lying (header says UTF-8, bytes are the codec)
    /bad/list        rows whose detail pages are: fine, 404, always 500, truncated (Content-Length
                     larger than the body, then the connection closes), 50 MB, disallowed by robots.txt,
                     mojibake (text already destroyed by a wrong decode), broken HTML, empty body
    /endless/list?page=N   every page has a next page
    /loop/list?page=N      page 2 links back to page 1
    /flaky/list      details answer 503 (Retry-After: 0) on the first hit, then the page
    /down/list       always 500
    /feed/original.xml, /feed/reposts.xml   dedup drills (copies, reposts with edits, tracking parameters)

Every request is counted (``hits``) with the User-Agent it came with (``agents``).
"""

from __future__ import annotations

import html
from functools import lru_cache
from urllib.parse import parse_qs

from crawlers.testsites.base import Answer, LocalSite
from crawlers.testsites.board import load_messages

CODECS = {"utf8": "utf-8", "gbk": "gbk", "gb18030": "gb18030", "big5": "big5"}
HOWS = ("header", "meta", "none", "lying")
BAD_ROWS = ("ok", "missing", "error", "truncated", "huge", "private", "mojibake", "broken", "empty", "ok2")
HUGE_BYTES = 50 * 1024 * 1024
ROBOTS = b"User-agent: *\nDisallow: /private/\n"


@lru_cache(maxsize=1)
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


def _traditional(text: str) -> str:
    return _s2t().convert(text)


def _encodable(messages, codec: str, count: int, convert=lambda t: t):
    chosen, seen = [], set()
    for message in messages:
        title, text = convert(message.title), convert(message.text)
        if (title, text) in seen:
            continue  # the real data repeats some messages; each variant needs its own text
        seen.add((title, text))
        try:
            (convert(detail_html("x", title, text, message.user))).encode(codec)
        except UnicodeEncodeError:
            continue
        chosen.append((message, title, text))
        if len(chosen) == count:
            break
    return chosen


def _distinct(messages, count: int) -> list:
    """The first `count` messages with texts of their own (the real data repeats a few)."""
    chosen, seen = [], set()
    for message in messages:
        if (message.title, message.text) not in seen:
            seen.add((message.title, message.text))
            chosen.append(message)
        if len(chosen) == count:
            break
    return chosen


def _huge_body():
    chunk = ("<p>" + "大" * 20000 + "</p>").encode()
    sent = 0
    while sent < HUGE_BYTES:
        piece = chunk[: HUGE_BYTES - sent]
        yield piece
        sent += len(piece)


def list_html(rows: list[tuple[str, str, str]], next_href: str | None, meta: str = "") -> str:
    items = "\n".join(
        f'<li class="msg-item" data-id="{html.escape(i)}"><a class="msg-title" href="{html.escape(href)}">'
        f'{html.escape(title)}</a> <span class="msg-time">2019-05-01 10:00:00</span>'
        f' <span class="msg-likes">点赞 0</span> <span class="msg-status">待回复</span></li>'
        for i, href, title in rows
    )
    pager = f'<a class="next" href="{html.escape(next_href)}">下一页</a>' if next_href else ""
    return f"<!DOCTYPE html><html><head>{meta}<title>留言</title></head><body><ul class=\"msg-list\">{items}</ul>{pager}</body></html>"


def detail_html(msg_id: str, title: str, text: str, user: str, meta: str = "", when: str = "2019-05-01 10:00:00") -> str:
    return (
        f"<!DOCTYPE html><html><head>{meta}<title>{html.escape(title)}</title></head><body>"
        f'<div class="message" data-id="{html.escape(msg_id)}"><h1 class="msg-title">{html.escape(title)}</h1>'
        f'<div class="msg-meta"><span class="author">留言用户：{html.escape(user)}</span>'
        f'<span class="time">留言时间：{when}</span><span class="likes">点赞数：3</span></div>'
        f'<div class="msg-body"><p>{html.escape(text)}</p></div></div></body></html>'
    )


class TroubleSite(LocalSite):
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, per_encoding: int = 3, delay: float = 0.0) -> None:
        super().__init__(host=host, port=port, delay=delay)
        messages = load_messages()
        # encoded[codec][how]: different real messages for every variant, so none is a duplicate of another
        self.encoded: dict[str, dict[str, list]] = {}
        for n, (name, codec) in enumerate(CODECS.items()):
            convert = _traditional if name == "big5" else (lambda t: t)
            chosen = _encodable(messages[200 + 60 * n:], codec, per_encoding * len(HOWS), convert)
            self.encoded[name] = {how: chosen[k * per_encoding:(k + 1) * per_encoding] for k, how in enumerate(HOWS)}
        self.bad_messages = _distinct(messages[400:], len(BAD_ROWS))
        self.flaky_messages = _distinct(messages[450:], 3)
        self.feed_messages = _distinct([m for m in messages[500:] if len(m.text) > 200], 4)
        self.messages = messages

    def answer(self, path: str, query: str) -> Answer:
        return self.route(path, parse_qs(query))

    # ---- what each path answers
    def route(self, path: str, query: dict) -> Answer:
        if path == "/robots.txt":
            return Answer(200, ROBOTS, "text/plain")
        parts = [p for p in path.split("/") if p]
        if parts == ["enc", "all", "list"]:
            rows = [
                (f"{name}-{how}-{i}", f"/enc/{name}-{how}/msg/{i}.html", title)
                for name in CODECS for how in HOWS for i, (_, title, _) in enumerate(self.encoded[name][how])
            ]
            return Answer(200, list_html(rows, None).encode(), "text/html; charset=utf-8")
        if len(parts) >= 3 and parts[0] == "enc":
            return self._encoded(parts[1], parts[2:])
        if parts[:1] == ["bad"]:
            return self._bad(parts[1:])
        if parts[:1] == ["private"]:
            message = self.bad_messages[0]
            return Answer(200, detail_html("private", message.title, message.text, message.user).encode(), "text/html; charset=utf-8")
        if parts[:1] in (["endless"], ["loop"]) and parts[1:] == ["list"]:
            page = int(query.get("page", ["1"])[0])
            nxt = page + 1 if parts[0] == "endless" else (2 if page == 1 else 1)
            rows = [(f"{parts[0]}-{page}-{k}", f"/{parts[0]}/msg/{page}-{k}.html", f"第{page}页留言{k}") for k in (1, 2)]
            return Answer(200, list_html(rows, f"/{parts[0]}/list?page={nxt}").encode(), "text/html; charset=utf-8")
        if parts[:1] in (["endless"], ["loop"]) and len(parts) == 3:
            key = parts[2].removesuffix(".html")
            page, k = (int(x) for x in key.split("-"))
            message = self.messages[(page * 2 + k) % len(self.messages)]
            body = detail_html(f"{parts[0]}-{key}", message.title, message.text, message.user)
            return Answer(200, body.encode(), "text/html; charset=utf-8")
        if parts[:1] == ["flaky"]:
            if parts[1:] == ["list"]:
                rows = [(f"flaky-{i}", f"/flaky/msg/{i}.html", m.title) for i, m in enumerate(self.flaky_messages)]
                return Answer(200, list_html(rows, None).encode(), "text/html; charset=utf-8")
            with self._lock:
                first = self.hits[path] == 1
            if first:
                return Answer(503, b"busy", "text/plain", {"Retry-After": "0"})
            i = int(parts[2].removesuffix(".html"))
            m = self.flaky_messages[i]
            return Answer(200, detail_html(f"flaky-{i}", m.title, m.text, m.user).encode(), "text/html; charset=utf-8")
        if parts[:1] == ["feed"]:
            return self._feed(parts[1:])
        if parts[:1] == ["down"]:
            return Answer(500, b"internal error", "text/plain")
        return Answer(404, b"not found", "text/plain")

    def _encoded(self, variant: str, rest: list[str]) -> Answer:
        name, _, how = variant.partition("-")
        codec = CODECS.get(name)
        if codec is None or how not in HOWS:
            return Answer(404, b"no such variant", "text/plain")
        meta = f'<meta charset="{codec}">' if how == "meta" else ""
        content_type = {"header": f"text/html; charset={codec}", "lying": "text/html; charset=utf-8"}.get(how, "text/html")
        rows = self.encoded[name][how]
        page_text = _traditional if name == "big5" else (lambda t: t)  # Big5 has no simplified labels
        if rest == ["list"]:
            listing = [(f"{name}-{m.msg_id}", f"/enc/{variant}/msg/{i}.html", title) for i, (m, title, _) in enumerate(rows)]
            return Answer(200, page_text(list_html(listing, None, meta)).encode(codec), content_type)
        index = int(rest[1].removesuffix(".html"))
        message, title, text = rows[index]
        body = page_text(detail_html(f"{variant}-{message.msg_id}", title, text, message.user, meta))
        return Answer(200, body.encode(codec), content_type)

    def _feed(self, rest: list[str]) -> Answer:
        """Dedup drills: an original feed, and a feed of copies, reposts and tracking-param links."""
        a, b, c = self.feed_messages[:3]
        other = self.feed_messages[3]
        base = self.url
        if rest == ["original.xml"]:
            items = [(f"{base}/posts/{m.msg_id}.html", m.title, m.text) for m in (a, b, c)]
            items.append((f"{base}/posts/{a.msg_id}-copy.html", a.title, a.text))  # same text again, same source
        elif rest == ["reposts.xml"]:
            items = [
                (f"{base}/elsewhere/{a.msg_id}.html", a.title, a.text),  # exact copy on another source
                (f"{base}/elsewhere/{b.msg_id}.html", "转发：" + b.title,
                 b.text.replace("。", "！", 1) + " 大家关注一下"),  # a repost with small edits
                (f"{base}/elsewhere/{other.msg_id}.html", other.title, other.text),  # unrelated
                (f"{base}/posts/{c.msg_id}.html?utm_source=weibo&spm=a.b#comments", c.title, c.text),  # known URL
                (f"{base}/elsewhere/{other.msg_id}.html?from=timeline", other.title, other.text),  # same URL twice
            ]
        else:
            return Answer(404, b"not found", "text/plain")
        entries = "".join(
            f"<item><title>{html.escape(title)}</title><link>{html.escape(link)}</link>"
            f"<pubDate>Wed, 01 May 2019 10:00:00 +0800</pubDate><description>{html.escape(text)}</description></item>"
            for link, title, text in items
        )
        body = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{entries}</channel></rss>'
        return Answer(200, body.encode(), "application/rss+xml; charset=utf-8")

    def _bad(self, rest: list[str]) -> Answer:
        utf8 = "text/html; charset=utf-8"
        if rest == ["list"]:
            rows = []
            for i, kind in enumerate(BAD_ROWS):
                href = "/private/msg.html" if kind == "private" else f"/bad/msg/{kind}.html"
                rows.append((f"bad-{kind}", href, "" if kind == "empty" else self.bad_messages[i].title))
            # the list itself is broken HTML too: unclosed tags, stray end tags
            broken = list_html(rows, None).replace("</li>", "", 3).replace("</ul>", "</div></span>")
            return Answer(200, broken.encode(), utf8)
        kind = rest[1].removesuffix(".html")
        if kind not in BAD_ROWS:
            return Answer(404, b"not found", "text/plain")
        message = self.bad_messages[BAD_ROWS.index(kind)]
        page = detail_html(f"bad-{kind}", message.title, message.text, message.user)
        if kind in ("ok", "ok2"):
            return Answer(200, page.encode(), utf8)
        if kind == "missing":
            return Answer(404, b"gone", "text/plain")
        if kind == "error":
            return Answer(500, b"internal error", "text/plain")
        if kind == "truncated":  # Content-Length promises more than comes, then the connection closes
            body = page.encode()
            return Answer(200, body[: len(body) // 2], utf8, length=len(body) + 5000, close=True)
        if kind == "huge":
            return Answer(200, _huge_body(), utf8, length=HUGE_BYTES, close=True)
        if kind == "mojibake":
            garbled = message.text.encode("utf-8").decode("gbk", errors="replace")
            return Answer(200, detail_html(f"bad-{kind}", message.title, garbled, message.user).encode(), utf8)
        if kind == "broken":
            # no closing tags at all after the body starts, attributes without quotes
            cut = page.split("</p>")[0].replace('class="msg-title"', "class=msg-title")
            return Answer(200, cut.encode(), utf8)
        if kind == "empty":
            return Answer(200, detail_html(f"bad-{kind}", "", "", message.user).encode(), utf8)
        return Answer(404, b"", "text/plain")
