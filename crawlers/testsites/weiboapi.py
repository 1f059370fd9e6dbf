"""A Weibo-shaped mobile JSON API on 127.0.0.1, serving real Weibo posts (data/weibo_posts.csv).

    /robots.txt
    /api/container/getIndex?containerid=100103type%3D1%26q%3D…&page_type=searchall&page=N
        search results, newest first, `PAGE_SIZE` cards a page, pagination by ``page``
        (data.cardlistInfo.page is the next page; past the end: {"ok": 0, "data": {"cards": []}})
    /api/container/getIndex?containerid=107603<uid>&since_id=ID
        a user timeline, pagination by ``since_id`` (the last id of the previous page)
    /detail/<id>                                   a post's page (HTML), the canonical URL of a post
    /admin/clock?tick=1&release=3                  let time pass by hand (demo runs)

The clock: `released` posts are public (the oldest first); `release(n)` publishes newer ones and
`tick()` lets time pass, so every public post gains reposts, comments and likes. A crawl after
`tick()` sees the same posts with higher counts (the engagement time series), and one after
`release()` sees new posts on the first page.
Every seventh post is a repost (转发微博) of an earlier one. User names and counts are made up;
the texts are real.
"""

from __future__ import annotations

import csv
import html
import json
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs

from crawlers.testsites.base import Answer, LocalSite

DATA = Path(__file__).resolve().parent / "data" / "weibo_posts.csv"
PAGE_SIZE = 10
FIRST_ID = 4_912_345_600_000_000
CHINA = timezone(timedelta(hours=8))
START = datetime(2026, 11, 20, 8, 0, tzinfo=CHINA)
TIMELINE_UID = "5123456001"
_EMOTICON = re.compile(r"\[[\u4e00-\u9fff]{1,4}\]")


@lru_cache(maxsize=1)
def texts() -> tuple[str, ...]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        return tuple(row["text"].strip() for row in csv.DictReader(handle))


def _html(text: str) -> str:
    """Post text as the site marks it up: emoticons as images, line breaks as <br />."""
    escaped = html.escape(text)
    escaped = _EMOTICON.sub(
        lambda m: f'<span class="url-icon"><img alt={m.group(0)} src="/emoticon.png" style="width:1em; height:1em;" /></span>',
        escaped)
    return escaped.replace("\n", "<br />")


class WeiboApi(LocalSite):
    def __init__(self, *, released: int = 30, **kwargs) -> None:
        super().__init__(**kwargs)
        self.released = min(released, len(texts()))
        self.round = 0

    def release(self, n: int) -> None:
        self.released = min(self.released + n, len(texts()))

    def tick(self, rounds: int = 1) -> None:
        self.round += rounds

    def counts(self, index: int) -> tuple[int, int, int]:
        """(reposts, comments, likes) of post `index` now: grows with every tick, differently per post."""
        growth = self.round + 1
        return ((index * 7) % 5) * growth, ((index * 3) % 4 + 1) * growth, ((index * 11) % 9 + 2) * growth

    def mblog(self, index: int, *, nested: bool = False) -> dict:
        post_id = FIRST_ID + index
        created = START + timedelta(minutes=37 * index)
        reposts, comments, likes = self.counts(index)
        user_id = TIMELINE_UID if index % 3 == 0 else str(5_123_456_100 + index % 17)
        blog = {
            "created_at": created.strftime("%a %b %d %H:%M:%S %z %Y"), "id": str(post_id), "mid": str(post_id),
            "text": _html(texts()[index]), "source": "微博 weibo.com",
            "user": {"id": int(user_id), "screen_name": f"鲤城网友{user_id[-4:]}", "verified": False},
            "reposts_count": reposts, "comments_count": comments, "attitudes_count": likes,
            "isLongText": False, "pic_ids": [], "region_name": "发布于 福建",
        }
        if index % 7 == 6 and not nested:
            blog["text"] = "转发微博"
            blog["retweeted_status"] = self.mblog(index - 6, nested=True)
        return blog

    def _page(self, indexes: list[int], info: dict) -> Answer:
        cards = [{"card_type": 9, "itemid": f"seq:{i}", "mblog": self.mblog(i)} for i in indexes]
        if cards and len(cards) > 3:
            # the search page groups some results, as the real one does
            cards = cards[:2] + [{"card_type": 11, "card_group": cards[2:4]}] + cards[4:]
        body = {"ok": 1, "data": {"cardlistInfo": info, "cards": cards}}
        return Answer(body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                      content_type="application/json; charset=utf-8")

    def answer(self, path: str, query: str) -> Answer:
        if path == "/robots.txt":
            return Answer(body=b"User-agent: *\nAllow: /api/\n", content_type="text/plain")
        if path == "/admin/clock":
            # /admin/clock?tick=1&release=3: let time pass by hand (demo runs; the server binds 127.0.0.1)
            params = {k: v[-1] for k, v in parse_qs(query).items()}
            if params.get("tick", "").isdigit():
                self.tick(int(params["tick"]))
            if params.get("release", "").isdigit():
                self.release(int(params["release"]))
            return Answer(body=f"round={self.round} released={self.released}\n".encode(), content_type="text/plain")
        if path.startswith("/detail/"):
            return Answer(body=b"<html><body>detail</body></html>")
        if path != "/api/container/getIndex":
            return Answer(404, b'{"ok": 0, "msg": "not found"}', content_type="application/json")
        params = {k: v[-1] for k, v in parse_qs(query).items()}
        containerid = params.get("containerid", "")
        newest_first = list(range(self.released - 1, -1, -1))
        empty = Answer(body=json.dumps({"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}},
                                       ensure_ascii=False).encode("utf-8"),
                       content_type="application/json; charset=utf-8")
        if containerid.startswith("107603"):
            uid = containerid[len("107603"):]
            mine = [i for i in newest_first if (TIMELINE_UID if i % 3 == 0 else str(5_123_456_100 + i % 17)) == uid]
            since = params.get("since_id")
            if since:
                mine = [i for i in mine if FIRST_ID + i < int(since)]
            chunk = mine[:PAGE_SIZE]
            if not chunk:
                return empty
            info = {"containerid": containerid, "total": len(mine),
                    "since_id": FIRST_ID + chunk[-1] if len(mine) > PAGE_SIZE else None}
            return self._page(chunk, info)
        if containerid.startswith("100103"):
            page = int(params.get("page") or 1)
            chunk = newest_first[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
            if page < 1 or not chunk:
                return empty
            more = page * PAGE_SIZE < len(newest_first)
            info = {"containerid": containerid, "total": len(newest_first), "page": page + 1 if more else None}
            return self._page(chunk, info)
        return Answer(400, b'{"ok": 0, "msg": "bad containerid"}', content_type="application/json")
