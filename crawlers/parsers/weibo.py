"""Extraction from Weibo's mobile JSON (m.weibo.cn ``/api/container/getIndex?containerid=…``).

The shape handled is the one the mobile site serves for search (``100103type=1&q=…``) and user
timelines (``107603{uid}``)::

    {"ok": 1, "data": {"cardlistInfo": {"page": 2, "since_id": 4…}, "cards": [
        {"card_type": 9, "mblog": {...}},
        {"card_type": 11, "card_group": [{"card_type": 9, "mblog": {...}}, ...]}]}}

An ``mblog`` carries ``id``/``mid``, ``created_at`` (``Sat Nov 21 10:00:00 +0800 2026`` or the
relative forms the site shows: 刚刚, 5分钟前, 今天 10:00, 昨天 10:00, 11-21), ``text`` (HTML),
``user``, ``reposts_count``, ``comments_count``, ``attitudes_count`` (numbers, or strings such
as "1.2万" / "100万+"), and possibly a ``retweeted_status``.
A long post (``isLongText: true``) carries only its first ~140 characters and a ``…全文`` link; the
full text is at ``/statuses/extend?id=ID`` (`parse_extend`). A pinned post (``isTop: 1``,
``mblogtype: 2`` or the title 置顶) heads a user's timeline whatever its age.
Nothing here touches the network or the database: the spider navigates, this extracts.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from parsel import Selector

from crawlers.parsers.fields import node_text
from crawlers.parsers.reltime import parse_time
from yuqing.errors import BadInput

MOBILE_SITE = "https://m.weibo.cn"


@dataclass
class WeiboPost:
    id: str
    url: str
    text: str
    author: str
    author_id: str
    published_at: datetime | None
    reposts: int
    comments: int
    likes: int
    region: str | None = None
    retweet_of: str | None = None
    is_long_text: bool = False  # `text` is cut at "…全文": the full text is at `extend_url`
    pinned: bool = False  # 置顶: shown first whatever its age
    own_text: str = ""  # the post's own words, before any "//转发原文:" (what the full text replaces)
    pictures: int = 0
    topics: list[str] = field(default_factory=list)


@dataclass
class WeiboPage:
    posts: list[WeiboPost]
    next_page: int | None
    since_id: str | None
    dropped: list[str]  # one reason per card that could not be read


_COUNT = re.compile(r"^\s*([\d.]+)\s*(万|亿)?\+?\s*$")


def parse_count(value) -> int:
    """reposts/comments/attitudes as the site gives them: 12, "12", "1.2万", "100万+", "" → int."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise BadInput(f"engagement count is not a number: {value!r}")
    if isinstance(value, int | float):
        return max(int(value), 0)
    match = _COUNT.match(str(value))
    if not match:
        if str(value).strip() in {"转发", "评论", "赞"}:  # the label shown instead of 0
            return 0
        raise BadInput(f"engagement count is not a number: {value!r}")
    number = float(match.group(1))
    unit = {"万": 10_000, "亿": 100_000_000}.get(match.group(2) or "", 1)
    return int(number * unit)


def parse_created_at(value: str | None, *, now: datetime, tz: str | None = None) -> datetime | None:
    """Weibo's created_at (absolute or relative to `now`, in the source's zone `tz`, default
    YUQING_TIMEZONE) as aware UTC; None when absent."""
    if not value:
        return None
    value = str(value).strip()
    moment = parse_time(value, now=now, tz=tz)
    if moment is None:
        raise BadInput(f"unreadable Weibo created_at: {value!r}")
    return moment


_TOPIC = re.compile(r"#([^#\n]{1,40})#")
# characters lxml refuses in a tree (control characters, lone surrogates): noise in a post, dropped
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def html_to_text(fragment: str) -> str:
    """The post's HTML as the reader sees it: <br> as newlines, emoticon images as their [alt], links as text."""
    if not fragment or not fragment.strip():
        return ""
    page = Selector(text=_NOT_XML.sub("", fragment).replace("\u200b", ""))
    for img in page.root.iter("img"):
        img.tail = (img.get("alt") or "") + (img.tail or "")
    return html_lib.unescape(node_text(page.xpath("/html/body")))


def _mblog_of(card: dict) -> list[dict]:
    if not isinstance(card, dict):
        return []
    if isinstance(card.get("mblog"), dict):
        return [card["mblog"]]
    found = []
    for inner in card.get("card_group") or []:
        found += _mblog_of(inner)
    return found


_CUT = re.compile(r"\s*(?:\.{2,}|…)?\s*全文\s*$")


def is_pinned(mblog: dict) -> bool:
    """置顶: ``isTop`` 1, ``mblogtype`` 2, or the card title the site prints over it."""
    title = mblog.get("title")
    title_text = title.get("text") if isinstance(title, dict) else title
    return str(mblog.get("isTop") or "") in ("1", "True", "true") or str(mblog.get("mblogtype") or "") == "2" \
        or (isinstance(title_text, str) and "置顶" in title_text)


def extend_url(post_id: str, api: str = MOBILE_SITE) -> str:
    """Where the mobile API serves a long post's full text."""
    return f"{api.rstrip('/')}/statuses/extend?id={post_id}"


def parse_extend(body: bytes | str) -> str:
    """The full text of a long post from ``/statuses/extend``: ``{"ok":1,"data":{"longTextContent": …}}``."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInput(f"long text: not JSON: {exc}") from exc
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict) or payload.get("ok") not in (1, "1", True):
        raise BadInput(f"long text: no data (ok={payload.get('ok') if isinstance(payload, dict) else None!r})")
    text = html_to_text(str(data.get("longTextContent") or ""))
    if not text:
        raise BadInput("long text: empty longTextContent")
    return text


def parse_mblog(mblog: dict, *, now: datetime, site: str = MOBILE_SITE, tz: str | None = None) -> WeiboPost:
    post_id = str(mblog.get("id") or mblog.get("mid") or "").strip()
    if not post_id.isdigit():
        raise BadInput(f"mblog without a numeric id: {post_id!r}")
    text = html_to_text(mblog.get("text") or "")
    long_text = bool(mblog.get("isLongText"))
    if long_text:
        text = _CUT.sub("", text)  # the "…全文" link: the spider fetches the rest
    own_text = text
    retweeted = mblog.get("retweeted_status")
    retweet_of = None
    if isinstance(retweeted, dict) and (retweeted.get("id") or retweeted.get("mid")):
        retweet_of = str(retweeted.get("id") or retweeted.get("mid"))
        original = html_to_text(retweeted.get("text") or "")
        if retweeted.get("isLongText"):
            original = _CUT.sub("", original)
        if original:
            # a repost's own words are often just "转发微博"; the original is what the opinion is about
            text = f"{text}\n//转发原文: {original}" if text else original
    if not text:
        raise BadInput(f"mblog {post_id} has no text")
    user = mblog.get("user") or {}
    region = (mblog.get("region_name") or "").replace("发布于", "").strip() or None
    return WeiboPost(
        id=post_id,
        url=f"{site.rstrip('/')}/detail/{post_id}",
        text=text,
        author=str(user.get("screen_name") or ""),
        author_id=str(user.get("id") or ""),
        published_at=parse_created_at(mblog.get("created_at"), now=now, tz=tz),
        reposts=parse_count(mblog.get("reposts_count")),
        comments=parse_count(mblog.get("comments_count")),
        likes=parse_count(mblog.get("attitudes_count")),
        region=region,
        retweet_of=retweet_of,
        is_long_text=long_text,
        pinned=is_pinned(mblog),
        own_text=own_text,
        pictures=len(mblog.get("pic_ids") or mblog.get("pics") or []),
        topics=_TOPIC.findall(text),
    )


def parse_container(body: bytes | str, *, now: datetime, site: str = MOBILE_SITE,
                    tz: str | None = None) -> WeiboPage:
    """One page of a getIndex answer. A page that is not Weibo JSON is a BadInput; a single
    unreadable card is dropped with its reason and the others are kept. `site`: where the post's
    detail page lives (its canonical URL), m.weibo.cn for the real platform."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInput(f"not JSON: {exc}") from exc
    if not isinstance(payload, dict) or "data" not in payload:
        raise BadInput("not a Weibo container answer (no 'data')")
    if payload.get("ok") not in (1, "1", True):
        # ok=0 with an empty data is how the site says "no more pages"
        data = payload.get("data") or {}
        if not data.get("cards"):
            return WeiboPage(posts=[], next_page=None, since_id=None, dropped=[])
    data = payload.get("data") or {}
    if not isinstance(data, dict):
        raise BadInput("Weibo 'data' is not an object")
    posts: list[WeiboPost] = []
    dropped: list[str] = []
    seen: set[str] = set()
    for card in data.get("cards") or []:
        for mblog in _mblog_of(card):
            try:
                post = parse_mblog(mblog, now=now, site=site, tz=tz)
            except BadInput as exc:
                dropped.append(str(exc))
                continue
            if post.id not in seen:  # search pages repeat a hot post in several card groups
                seen.add(post.id)
                posts.append(post)
    info = data.get("cardlistInfo") or {}
    next_page = info.get("page")
    since_id = info.get("since_id")
    return WeiboPage(
        posts=posts,
        next_page=int(next_page) if str(next_page or "").isdigit() and posts else None,
        since_id=str(since_id) if since_id and posts else None,
        dropped=dropped,
    )
