"""A Weibo-shaped mobile JSON API on 127.0.0.1, serving real Weibo posts (data/weibo_posts.csv).

    /robots.txt
    /api/container/getIndex?containerid=100103type%3D1%26q%3D…&page_type=searchall&page=N
        search results, newest first, `PAGE_SIZE` cards a page, pagination by ``page``
        (data.cardlistInfo.page is the next page; past the end: {"ok": 0, "data": {"cards": []}})
    /api/container/getIndex?containerid=107603<uid>&since_id=ID
        a user timeline, pagination by ``since_id`` (the last id of the previous page)
    /statuses/extend?id=ID                         the full text of a long post:
        {"ok": 1, "data": {"ok": 1, "longTextContent": "…", counts}}; {"ok": 0} for an unknown id
    /detail/<id>                                   a post's page (HTML), the canonical URL of a post
    /admin/clock?tick=1&release=3                  let time pass by hand (demo runs)

The clock: `released` posts are public (the oldest first); `release(n)` publishes newer ones and
`tick()` lets time pass, so every public post gains reposts, comments and likes. A crawl after
`tick()` sees the same posts with higher counts (the engagement time series), and one after
`release()` sees new posts on the first page.
Every seventh post is a repost (转发微博) of an earlier one. Every tenth (index 5, 15, …) is a long
post: its text is a real official reply (data/gov_replies.csv), served cut at 140 characters with
``…全文`` and ``isLongText: true``, whole at /statuses/extend. The timeline's oldest post (`pinned`)
is pinned: first on page 1 with ``isTop: 1``, ``mblogtype: 2`` and the title 置顶, and not repeated
in its place. User names and counts are made up; the texts are real.
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
REPLIES = Path(__file__).resolve().parent / "data" / "gov_replies.csv"
PAGE_SIZE = 10
CUT_AT = 140  # characters of a long post the list shows
FIRST_ID = 4_912_345_600_000_000
CHINA = timezone(timedelta(hours=8))
START = datetime(2026, 11, 20, 8, 0, tzinfo=CHINA)
TIMELINE_UID = "5123456001"
_EMOTICON = re.compile(r"\[[\u4e00-\u9fff]{1,4}\]")


@lru_cache(maxsize=1)
def texts() -> tuple[str, ...]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        return tuple(row["text"].strip() for row in csv.DictReader(handle))


@lru_cache(maxsize=1)
def long_texts() -> tuple[str, ...]:
    """Real official replies longer than a post may be: the texts of the long posts."""
    with REPLIES.open(encoding="utf-8", newline="") as handle:
        replies = (" ".join(row["reply"].split()) for row in csv.DictReader(handle))
        return tuple(reply for reply in replies if len(reply) > 2 * CUT_AT)


def is_long(index: int) -> bool:
    return index % 10 == 5


def full_text(index: int) -> str:
    """Post `index`'s whole text (what a crawl must store)."""
    return long_texts()[(index // 10) % len(long_texts())] if is_long(index) else texts()[index]


def _html(text: str) -> str:
    """Post text as the site marks it up: emoticons as images, line breaks as <br />."""
    escaped = html.escape(text)
    escaped = _EMOTICON.sub(
        lambda m: f'<span class="url-icon"><img alt={m.group(0)} src="/emoticon.png" style="width:1em; height:1em;" /></span>',
        escaped)
    return escaped.replace("\n", "<br />")


class WeiboApi(LocalSite):
    def __init__(self, *, released: int = 30, pinned: int | None = 0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.released = min(released, len(texts()))
        self.round = 0
        self.pinned = pinned  # the timeline's pinned post (an index of the timeline user's posts), or None
        self.extend_works = True  # False: /statuses/extend answers {"ok": 0} as when the login has expired

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
            "text": _html(full_text(index)), "source": "微博 weibo.com",
            "user": {"id": int(user_id), "screen_name": f"鲤城网友{user_id[-4:]}", "verified": False},
            "reposts_count": reposts, "comments_count": comments, "attitudes_count": likes,
            "isLongText": False, "pic_ids": [], "region_name": "发布于 福建",
        }
        if is_long(index):
            blog["text"] = _html(full_text(index)[:CUT_AT]) + f'...<a href="/status/{post_id}">全文</a>'
            blog["isLongText"] = True
        if index % 7 == 6 and not nested:
            blog["text"] = "转发微博"
            blog["isLongText"] = False
            blog["retweeted_status"] = self.mblog(index - 6, nested=True)
        return blog

    def pinned_mblog(self) -> dict:
        blog = self.mblog(self.pinned)
        blog.update(isTop=1, mblogtype=2, title={"text": "置顶", "base_color": 1})
        return blog

    def extend(self, post_id: str) -> Answer:
        index = int(post_id) - FIRST_ID if post_id.isdigit() else -1
        if not 0 <= index < self.released or not self.extend_works:
            body = {"ok": 0, "msg": "微博不存在或暂无查看权限!"}
        else:
            reposts, comments, likes = self.counts(index)
            body = {"ok": 1, "data": {"ok": 1, "longTextContent": _html(full_text(index)), "reposts_count": reposts,
                                      "comments_count": comments, "attitudes_count": likes}}
        return Answer(body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                      content_type="application/json; charset=utf-8")

    def _page(self, indexes: list[int], info: dict, pinned: bool = False) -> Answer:
        cards = [{"card_type": 9, "itemid": f"seq:{i}", "mblog": self.mblog(i)} for i in indexes]
        if pinned:
            cards.insert(0, {"card_type": 9, "itemid": f"top:{self.pinned}", "mblog": self.pinned_mblog()})
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
        if path == "/statuses/extend":
            return self.extend({k: v[-1] for k, v in parse_qs(query).items()}.get("id", ""))
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
            pinned = self.pinned in mine
            mine = [i for i in mine if i != self.pinned]  # the pinned post heads page 1 only
            since = params.get("since_id")
            if since:
                mine = [i for i in mine if FIRST_ID + i < int(since)]
            chunk = mine[:PAGE_SIZE]
            if not chunk:
                return empty
            info = {"containerid": containerid, "total": len(mine),
                    "since_id": FIRST_ID + chunk[-1] if len(mine) > PAGE_SIZE else None}
            return self._page(chunk, info, pinned=pinned and not since)
        if containerid.startswith("100103"):
            page = int(params.get("page") or 1)
            chunk = newest_first[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
            if page < 1 or not chunk:
                return empty
            more = page * PAGE_SIZE < len(newest_first)
            info = {"containerid": containerid, "total": len(newest_first), "page": page + 1 if more else None}
            return self._page(chunk, info)
        return Answer(400, b'{"ok": 0, "msg": "bad containerid"}', content_type="application/json")
