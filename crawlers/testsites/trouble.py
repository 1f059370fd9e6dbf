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
import threading
import time
from collections import Counter
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

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


class TroubleSite:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, per_encoding: int = 3, delay: float = 0.0) -> None:
        messages = load_messages()
        self.delay = delay
        self.inflight = 0
        self.max_inflight = 0  # most requests served at the same time (politeness tests)
        self.hits: Counter[str] = Counter()
        self.agents: set[str] = set()
        self._lock = threading.Lock()
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
        self._server = _QuietServer((host, port), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="trouble-site", daemon=True)

    # ---- what each path answers: (status, body bytes, content type, extra headers) or a special action
    def route(self, path: str, query: dict) -> tuple:
        if path == "/robots.txt":
            return 200, ROBOTS, "text/plain", {}
        parts = [p for p in path.split("/") if p]
        if parts == ["enc", "all", "list"]:
            rows = [
                (f"{name}-{how}-{i}", f"/enc/{name}-{how}/msg/{i}.html", title)
                for name in CODECS for how in HOWS for i, (_, title, _) in enumerate(self.encoded[name][how])
            ]
            return 200, list_html(rows, None).encode(), "text/html; charset=utf-8", {}
        if len(parts) >= 3 and parts[0] == "enc":
            return self._encoded(parts[1], parts[2:])
        if parts[:1] == ["bad"]:
            return self._bad(parts[1:])
        if parts[:1] == ["private"]:
            message = self.bad_messages[0]
            return 200, detail_html("private", message.title, message.text, message.user).encode(), "text/html; charset=utf-8", {}
        if parts[:1] in (["endless"], ["loop"]) and parts[1:] == ["list"]:
            page = int(query.get("page", ["1"])[0])
            nxt = page + 1 if parts[0] == "endless" else (2 if page == 1 else 1)
            rows = [(f"{parts[0]}-{page}-{k}", f"/{parts[0]}/msg/{page}-{k}.html", f"第{page}页留言{k}") for k in (1, 2)]
            return 200, list_html(rows, f"/{parts[0]}/list?page={nxt}").encode(), "text/html; charset=utf-8", {}
        if parts[:1] in (["endless"], ["loop"]) and len(parts) == 3:
            key = parts[2].removesuffix(".html")
            page, k = (int(x) for x in key.split("-"))
            message = self.messages[(page * 2 + k) % len(self.messages)]
            body = detail_html(f"{parts[0]}-{key}", message.title, message.text, message.user)
            return 200, body.encode(), "text/html; charset=utf-8", {}
        if parts[:1] == ["flaky"]:
            if parts[1:] == ["list"]:
                rows = [(f"flaky-{i}", f"/flaky/msg/{i}.html", m.title) for i, m in enumerate(self.flaky_messages)]
                return 200, list_html(rows, None).encode(), "text/html; charset=utf-8", {}
            with self._lock:
                first = self.hits[path] == 1
            if first:
                return 503, b"busy", "text/plain", {"Retry-After": "0"}
            i = int(parts[2].removesuffix(".html"))
            m = self.flaky_messages[i]
            return 200, detail_html(f"flaky-{i}", m.title, m.text, m.user).encode(), "text/html; charset=utf-8", {}
        if parts[:1] == ["feed"]:
            return self._feed(parts[1:])
        if parts[:1] == ["down"]:
            return 500, b"internal error", "text/plain", {}
        return 404, b"not found", "text/plain", {}

    def _encoded(self, variant: str, rest: list[str]) -> tuple:
        name, _, how = variant.partition("-")
        codec = CODECS.get(name)
        if codec is None or how not in HOWS:
            return 404, b"no such variant", "text/plain", {}
        meta = f'<meta charset="{codec}">' if how == "meta" else ""
        content_type = {"header": f"text/html; charset={codec}", "lying": "text/html; charset=utf-8"}.get(how, "text/html")
        rows = self.encoded[name][how]
        page_text = _traditional if name == "big5" else (lambda t: t)  # Big5 has no simplified labels
        if rest == ["list"]:
            listing = [(f"{name}-{m.msg_id}", f"/enc/{variant}/msg/{i}.html", title) for i, (m, title, _) in enumerate(rows)]
            return 200, page_text(list_html(listing, None, meta)).encode(codec), content_type, {}
        index = int(rest[1].removesuffix(".html"))
        message, title, text = rows[index]
        body = page_text(detail_html(f"{variant}-{message.msg_id}", title, text, message.user, meta))
        return 200, body.encode(codec), content_type, {}

    def _feed(self, rest: list[str]) -> tuple:
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
            return 404, b"not found", "text/plain", {}
        entries = "".join(
            f"<item><title>{html.escape(title)}</title><link>{html.escape(link)}</link>"
            f"<pubDate>Wed, 01 May 2019 10:00:00 +0800</pubDate><description>{html.escape(text)}</description></item>"
            for link, title, text in items
        )
        body = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{entries}</channel></rss>'
        return 200, body.encode(), "application/rss+xml; charset=utf-8", {}

    def _bad(self, rest: list[str]) -> tuple:
        utf8 = "text/html; charset=utf-8"
        if rest == ["list"]:
            rows = []
            for i, kind in enumerate(BAD_ROWS):
                href = "/private/msg.html" if kind == "private" else f"/bad/msg/{kind}.html"
                rows.append((f"bad-{kind}", href, "" if kind == "empty" else self.bad_messages[i].title))
            # the list itself is broken HTML too: unclosed tags, stray end tags
            broken = list_html(rows, None).replace("</li>", "", 3).replace("</ul>", "</div></span>")
            return 200, broken.encode(), utf8, {}
        kind = rest[1].removesuffix(".html")
        if kind not in BAD_ROWS:
            return 404, b"not found", "text/plain", {}
        message = self.bad_messages[BAD_ROWS.index(kind)]
        page = detail_html(f"bad-{kind}", message.title, message.text, message.user)
        if kind in ("ok", "ok2"):
            return 200, page.encode(), utf8, {}
        if kind == "missing":
            return 404, b"gone", "text/plain", {}
        if kind == "error":
            return 500, b"internal error", "text/plain", {}
        if kind == "truncated":
            return "truncated", page.encode()
        if kind == "huge":
            return "huge", None
        if kind == "mojibake":
            garbled = message.text.encode("utf-8").decode("gbk", errors="replace")
            return 200, detail_html(f"bad-{kind}", message.title, garbled, message.user).encode(), utf8, {}
        if kind == "broken":
            # no closing tags at all after the body starts, attributes without quotes
            cut = page.split("</p>")[0].replace('class="msg-title"', "class=msg-title")
            return 200, cut.encode(), utf8, {}
        if kind == "empty":
            return 200, detail_html(f"bad-{kind}", "", "", message.user).encode(), utf8, {}
        return 404, b"", "text/plain", {}

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                return

            def do_GET(self):  # noqa: N802
                parts = urlsplit(self.path)
                with site._lock:
                    site.hits[self.path] += 1
                    site.agents.add(self.headers.get("User-Agent", ""))
                    site.inflight += 1
                    site.max_inflight = max(site.max_inflight, site.inflight)
                try:
                    if site.delay:
                        time.sleep(site.delay)
                    self._answer(parts)
                finally:
                    with site._lock:
                        site.inflight -= 1

            def _answer(self, parts):
                answer = site.route(parts.path, parse_qs(parts.query))
                if answer[0] == "truncated":
                    body = answer[1]
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body) + 5000))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if answer[0] == "huge":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(HUGE_BYTES))
                    self.end_headers()
                    chunk = ("<p>" + "大" * 20000 + "</p>").encode()
                    sent = 0
                    try:
                        while sent < HUGE_BYTES:
                            piece = chunk[: HUGE_BYTES - sent]
                            self.wfile.write(piece)
                            sent += len(piece)
                    except OSError:
                        pass  # the crawler hung up, as it should
                    self.close_connection = True
                    return
                status, body, content_type, headers = answer
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def start(self) -> TroubleSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> TroubleSite:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)
