"""Page objects of a 问政 / 12345 message board or a forum (Discuz!, Tieba), driven by the selectors
of a source's config.

Times are read by `crawlers.parsers.reltime.parse_time`: absolute, or relative to the crawl time
(刚刚, 3 天前, 昨天 16:09, 16:09, 06-14) in the source's zone. Pagers printed twice (Discuz! shows
one above and one below the list) give their first next-page link. A list the site ships inside
HTML comments (Tieba's ``<code class="pagelet_html"><!-- … --></code>``) is read from there when
the page shows no row otherwise.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

from parsel import Selector

from crawlers.parsers.fields import extract, join_url, node_text, parse_int, select
from crawlers.parsers.reltime import parse_time

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ListRow:
    url: str
    external_id: str | None
    title: str | None
    posted: datetime | None
    signature: str | None  # hash of the row parts that change when the post does (likes, reply status)


@dataclass
class ListPage:
    rows: list[ListRow] = field(default_factory=list)
    next_url: str | None = None


def _signature(parts: list[str | None]) -> str | None:
    if not parts:
        return None
    joined = "\x1f".join(part or "" for part in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:32]


def first(node, spec) -> str | None:
    """The text of the first node `spec` selects that has any (with its "re" applied)."""
    for text in _texts(node, spec):
        return text
    return None


def _texts(node, spec):
    """Each selected node's text, one by one: a link the page repeats (Discuz!'s pager above and
    below the list) is one link, not the two texts joined."""
    if spec is None:
        return
    pattern = spec.get("re") if isinstance(spec, dict) else None
    for item in select(node, spec):
        text = node_text([item]).strip()
        if text and pattern:
            match = re.search(pattern, text)
            text = (match.group(1) if match.groups() else match.group(0)) if match else ""
        if text.strip():
            yield text.strip()


_COMMENTED = re.compile(r"<!--(.*?)-->", re.S)


def parse_list(page: Selector, base_url: str, config: dict, *, now: datetime | None = None,
               tz: str | None = None) -> ListPage:
    """Rows (detail link, id, title, time, change signature) and the next-page link of a list page.
    `now`: the crawl time relative times are read against; `tz`: the source's zone (default: the
    product's)."""
    nodes = page.css(config["item"])
    if not nodes and "<!--" in (page.get() or ""):
        uncommented = Selector(text=_COMMENTED.sub(lambda m: m.group(1), page.get()))
        nodes = uncommented.css(config["item"])
        if nodes:
            page = uncommented
    rows = []
    for node in nodes:
        href = first(node, config["link"])
        if not href:
            continue
        url = join_url(base_url, href)
        if url is None:
            log.warning("list row dropped: detail link %r on %s is not a URL", href[:200], base_url)
            continue
        signature_specs = config.get("signature") or []
        rows.append(ListRow(
            url=url,
            external_id=extract(node, config.get("id")),
            title=extract(node, config.get("title")),
            posted=parse_time(extract(node, config.get("time")), now=now, tz=tz),
            signature=_signature([extract(node, spec) for spec in signature_specs]) if signature_specs else None,
        ))
    return ListPage(rows=rows, next_url=_next_url(page, base_url, config.get("next")))


def _next_url(page: Selector, base_url: str, spec) -> str | None:
    """The first next-page link that is a web address (not Discuz!'s "javascript:;" autoload button)."""
    for href in _texts(page, spec):
        url = join_url(base_url, href)
        if url and url.startswith(("http://", "https://")):
            return url
    return None


def parse_detail(page: Selector, config: dict, *, now: datetime | None = None, tz: str | None = None) -> dict:
    """The fields of a detail page: title, text, author, published_at, engagement, reply."""
    reply = extract(page, config.get("reply"))
    return {
        "title": extract(page, config["title"]) or "",
        "text": extract(page, config["body"]) or "",
        "author": extract(page, config.get("author")),
        "published_at": parse_time(extract(page, config.get("published")), now=now, tz=tz),
        "likes": parse_int(extract(page, config.get("likes"))),
        "reposts": parse_int(extract(page, config.get("reposts"))),
        "comments": parse_int(extract(page, config.get("comments"))),
        "views": parse_int(extract(page, config.get("views"))),
        "reply_text": reply,
        "reply_at": parse_time(extract(page, config.get("reply_time")), now=now, tz=tz) if reply else None,
        "external_id": extract(page, config.get("id")),
    }
