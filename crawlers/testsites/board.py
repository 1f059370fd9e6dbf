"""The demo's 问政 message board: real citizen messages (data/demo_site/), released over time so
that a later crawl finds new posts. A local test site (crawlers.testsites.base.LocalSite).

Pages (all UTF-8):
    /                        → the board's first list page
    /messages?page=N         list pages, newest first, 20 a page, with 点赞 and 已回复/待回复 per row
    /messages/<msg_id>.html  detail: title, body, author, posted time, likes; the official reply once given
    /rss.xml                 RSS 2.0 feed of the 30 newest messages
    /robots.txt              disallows /admin/
    /admin/release?n=K       (127.0.0.1 only) release K more messages now; /admin/state shows the clock

The release clock: at start ``initial`` messages (the oldest ones) are visible; one more every
``release_every`` seconds (0 = only by ``release(n)`` or the admin URL). A message's official reply
appears ``reply_lag`` releases after the message itself, so a re-crawl also finds changed posts.
"""

from __future__ import annotations

import csv
import gzip
import html
import json
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from functools import lru_cache
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs

from crawlers.parsers.fields import parse_datetime
from crawlers.testsites.base import Answer, LocalSite, serve_until_interrupted

DATA_FILE = Path(__file__).resolve().parents[2] / "data" / "demo_site" / "messages.csv.gz"
PAGE_SIZE = 20
# the messages were posted on a Chinese board and are served as it prints them, in Beijing time,
# whatever zone the product runs in (sources read them with their `timezone` option)
DATA_ZONE = "Asia/Shanghai"
CHINA = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class Message:
    msg_id: str
    user: str
    time: datetime
    title: str
    text: str
    likes: int
    reply: str
    reply_time: datetime | None


def _parse_time(value: str) -> datetime | None:
    moment = parse_datetime(value, tz=DATA_ZONE)
    return moment.astimezone(CHINA) if moment else None


@lru_cache(maxsize=2)
def load_messages(path: Path = DATA_FILE) -> tuple[Message, ...]:
    """The shipped messages, oldest first (their release order)."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    messages = []
    for row in rows:
        posted = _parse_time(row["time"])
        if posted is None:
            continue
        messages.append(Message(
            msg_id=row["msg_id"], user=row["user"], time=posted, title=row["title"].strip(), text=row["text"].strip(),
            likes=int(float(row["likes"] or 0)), reply=(row.get("reply") or "").strip(),
            reply_time=_parse_time(row.get("reply_time") or ""),
        ))
    return tuple(messages)


class ReleaseClock:
    """How many messages are visible now; thread-safe, controllable from tests."""

    def __init__(self, total: int, initial: int, release_every: float) -> None:
        self.total = total
        self.initial = min(initial, total)
        self.release_every = release_every
        self.started = time.monotonic()
        self.started_at = datetime.now(CHINA)
        self.extra = 0
        self._lock = threading.Lock()
        self._released_at: dict[int, datetime] = {}

    def released(self) -> int:
        with self._lock:
            timed = int((time.monotonic() - self.started) / self.release_every) if self.release_every > 0 else 0
            count = min(self.total, self.initial + self.extra + timed)
            for position in range(self.initial, count):
                self._released_at.setdefault(position, datetime.now(CHINA).replace(microsecond=0))
            return count

    def released_at(self, position: int) -> datetime | None:
        """When a message released after the start became visible (None for the initial batch)."""
        with self._lock:
            return self._released_at.get(position)

    def release(self, n: int = 1) -> int:
        with self._lock:
            self.extra += max(0, n)
        return self.released()


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _paragraphs(text: str) -> str:
    return "\n".join(f"<p>{_e(line)}</p>" for line in text.splitlines() if line.strip())


_STYLE = (
    "body{font-family:sans-serif;max-width:56em;margin:1em auto;color:#222}"
    ".msg-item{border-bottom:1px solid #ddd;padding:.4em 0}.msg-meta span{margin-right:1.5em;color:#666}"
    ".reply{background:#f4f8ff;padding:.6em;margin-top:1em}"
)


def _page(title: str, body: str) -> bytes:
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        f"<title>{_e(title)} - A市问政平台(演示)</title><style>{_STYLE}</style></head>\n<body>\n"
        "<div class=\"header\"><a href=\"/\">A市问政平台</a> · <a href=\"/rss.xml\">RSS</a>"
        " · <span class=\"notice\">演示站点：真实留言（2020 泰迪杯 C 题公开数据，地名已匿名化）</span></div>\n"
        f"{body}\n<div class=\"footer\">[收藏] [打印] [关闭]</div>\n</body></html>\n"
    ).encode()


class DemoBoard:
    """The board's content at the current release count (no HTTP here, so it is easy to test)."""

    def __init__(self, messages: tuple[Message, ...], clock: ReleaseClock, reply_lag: int, replay: bool = False) -> None:
        self.messages = messages
        self.clock = clock
        self.reply_lag = reply_lag
        self.index = {m.msg_id: i for i, m in enumerate(messages)}
        # replay: the real 2019 timeline moved so the initial batch ends now (its spacing kept) and a
        # later message is dated when it is released, so dashboards of a demo look like today's work
        self.shift = None
        if replay and clock.initial:
            self.shift = clock.started_at.replace(microsecond=0) - messages[clock.initial - 1].time

    def shown(self, position: int) -> Message:
        m = self.messages[position]
        if self.shift is None:
            return m
        posted = m.time + self.shift
        released_at = self.clock.released_at(position)
        if released_at is not None:
            posted = min(posted, released_at)
        reply_time = m.reply_time + self.shift if m.reply_time else None
        if reply_time is not None:  # never dated after the release that shows it
            shown_from = self.clock.released_at(position + self.reply_lag) or self.clock.started_at.replace(microsecond=0)
            reply_time = max(posted, min(reply_time, shown_from))
        return replace(m, time=posted, reply_time=reply_time)

    def visible(self) -> list[Message]:
        return list(self.messages[: self.clock.released()])

    def reply_shown(self, position: int, released: int) -> bool:
        return bool(self.messages[position].reply) and position < released - self.reply_lag

    def list_page(self, page: int) -> bytes | None:
        released = self.clock.released()
        newest_first = list(range(released - 1, -1, -1))
        pages = max(1, -(-released // PAGE_SIZE))
        if page < 1 or page > pages:
            return None
        rows = []
        for position in newest_first[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]:
            m = self.shown(position)
            status = "已回复" if self.reply_shown(position, released) else "待回复"
            rows.append(
                f"<li class=\"msg-item\" data-id=\"{_e(m.msg_id)}\">"
                f"<a class=\"msg-title\" href=\"/messages/{_e(m.msg_id)}.html\">{_e(m.title)}</a> "
                f"<span class=\"msg-time\">{m.time:%Y-%m-%d %H:%M:%S}</span> "
                f"<span class=\"msg-likes\">点赞 {m.likes}</span> <span class=\"msg-status\">{status}</span></li>"
            )
        nav = [f"<span class=\"page-info\">第 {page} / {pages} 页</span>"]
        if page > 1:
            nav.insert(0, f"<a class=\"prev\" href=\"/messages?page={page - 1}\">上一页</a>")
        if page < pages:
            nav.append(f"<a class=\"next\" href=\"/messages?page={page + 1}\">下一页</a>")
        body = (
            "<h1>网民留言</h1>\n<ul class=\"msg-list\">\n" + "\n".join(rows) + "\n</ul>\n"
            "<div class=\"pager\">" + " ".join(nav) + "</div>"
        )
        return _page(f"网民留言 第{page}页", body)

    def detail_page(self, msg_id: str) -> bytes | None:
        position = self.index.get(msg_id)
        released = self.clock.released()
        if position is None or position >= released:
            return None
        m = self.shown(position)
        reply = ""
        if self.reply_shown(position, released):
            when = f"{m.reply_time:%Y-%m-%d %H:%M:%S}" if m.reply_time else ""
            reply = (
                "<div class=\"reply\"><h2>答复意见</h2>"
                f"<div class=\"reply-meta\"><span class=\"reply-time\">答复时间：{when}</span></div>"
                f"<div class=\"reply-body\">{_paragraphs(m.reply)}</div></div>"
            )
        body = (
            f"<div class=\"message\" data-id=\"{_e(m.msg_id)}\"><h1 class=\"msg-title\">{_e(m.title)}</h1>\n"
            f"<div class=\"msg-meta\"><span class=\"author\">留言用户：{_e(m.user)}</span>"
            f"<span class=\"time\">留言时间：{m.time:%Y-%m-%d %H:%M:%S}</span>"
            f"<span class=\"likes\">点赞数：{m.likes}</span></div>\n"
            f"<div class=\"msg-body\">{_paragraphs(m.text)}</div>\n{reply}</div>"
        )
        return _page(m.title, body)

    def rss(self, base_url: str) -> bytes:
        released = self.clock.released()
        items = []
        for position in range(released - 1, max(-1, released - 31), -1):
            m = self.shown(position)
            link = f"{base_url}/messages/{m.msg_id}.html"
            items.append(
                f"<item><title>{_e(m.title)}</title><link>{_e(link)}</link>"
                f"<guid isPermaLink=\"false\">msg-{_e(m.msg_id)}</guid>"
                f"<pubDate>{format_datetime(m.time)}</pubDate><dc:creator>{_e(m.user)}</dc:creator>"
                f"<description>{_e(m.text)}</description></item>"
            )
        return (
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
            "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel>"
            f"<title>A市问政平台 网民留言</title><link>{_e(base_url)}/</link>"
            "<description>演示站点：真实留言，地名已匿名化</description>\n"
            + "\n".join(items) + "\n</channel></rss>\n"
        ).encode("utf-8")


ROBOTS = b"User-agent: *\nDisallow: /admin/\nCrawl-delay: 0\n"


class DemoSite(LocalSite):
    """The running board (background thread once started). ``url`` is its base URL; ``stop()`` shuts it down."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, initial: int = 100, release_every: float = 30.0,
                 reply_lag: int = 10, delay: float = 0.0, limit: int | None = None, replay: bool = False) -> None:
        super().__init__(host=host, port=port, delay=delay)
        messages = load_messages()
        if limit is not None:
            messages = messages[:limit]
        self.clock = ReleaseClock(len(messages), initial, release_every)
        self.board = DemoBoard(messages, self.clock, reply_lag, replay=replay)

    def answer_request(self, request: BaseHTTPRequestHandler, path: str, query: str) -> Answer:
        values = parse_qs(query)
        if path == "/robots.txt":
            return Answer(body=ROBOTS, content_type="text/plain; charset=utf-8")
        if path == "/":
            path, values = "/messages", {"page": ["1"]}
        if path == "/messages":
            try:
                page = int(values.get("page", ["1"])[0])
            except ValueError:
                page = 0
            return self._page_or_404(self.board.list_page(page))
        if path.startswith("/messages/") and path.endswith(".html"):
            return self._page_or_404(self.board.detail_page(path[len("/messages/"):-len(".html")]))
        if path == "/rss.xml":
            host = request.headers.get("Host") or f"{self.host}:{self.port}"
            return Answer(body=self.board.rss(f"http://{host}"), content_type="application/rss+xml; charset=utf-8")
        if path.startswith("/admin/"):
            return self._admin(request.client_address[0], path, values)
        return self._page_or_404(None)

    def _admin(self, client: str, path: str, values: dict) -> Answer:
        if client != "127.0.0.1":
            return Answer(403, b"forbidden", "text/plain")
        if path == "/admin/release":
            self.clock.release(int(values.get("n", ["1"])[0]))
        if path in ("/admin/release", "/admin/state"):
            state = {"released": self.clock.released(), "total": self.clock.total,
                     "release_every": self.clock.release_every}
            return Answer(body=json.dumps(state).encode(), content_type="application/json")
        return self._page_or_404(None)

    @staticmethod
    def _page_or_404(body: bytes | None) -> Answer:
        return Answer(body=body) if body else Answer(404, _page("页面不存在", "<h1>404 页面不存在</h1>"))

    def release(self, n: int = 1) -> int:
        """Release n more messages now; returns how many are visible."""
        return self.clock.release(n)

    @property
    def released(self) -> int:
        return self.clock.released()

    def visible_ids(self) -> list[str]:
        return [m.msg_id for m in self.board.visible()]


def start_demo_site(host: str, port: int, **options) -> DemoSite:
    """Start the demo board in a background thread (port 0 picks a free one)."""
    return DemoSite(host, port, **options).start()


def serve_forever(host: str, port: int, release_every: float) -> None:
    """`yuqing demo-site`: serve the board until Ctrl-C."""
    site = start_demo_site(host, port, release_every=release_every, replay=True)
    print(f"demo site on {site.url} — {site.released} of {site.clock.total} messages visible, "
          f"one more every {release_every:g} s (Ctrl-C stops)", flush=True)
    serve_until_interrupted(site)

