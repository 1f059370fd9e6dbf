"""Page objects of a 问政 / 12345 message board, driven by the selectors of a source's config."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from parsel import Selector

from crawlers.parsers.fields import extract, join_url, parse_datetime, parse_int

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


def parse_list(page: Selector, base_url: str, config: dict) -> ListPage:
    """Rows (detail link, id, title, time, change signature) and the next-page link of a list page."""
    rows = []
    for node in page.css(config["item"]):
        href = extract(node, config["link"])
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
            posted=parse_datetime(extract(node, config.get("time"))),
            signature=_signature([extract(node, spec) for spec in signature_specs]) if signature_specs else None,
        ))
    next_href = extract(page, config.get("next"))
    return ListPage(rows=rows, next_url=join_url(base_url, next_href) if next_href else None)


def parse_detail(page: Selector, config: dict) -> dict:
    """The fields of a detail page: title, text, author, published_at, engagement, reply."""
    reply = extract(page, config.get("reply"))
    return {
        "title": extract(page, config["title"]) or "",
        "text": extract(page, config["body"]) or "",
        "author": extract(page, config.get("author")),
        "published_at": parse_datetime(extract(page, config.get("published"))),
        "likes": parse_int(extract(page, config.get("likes"))),
        "reposts": parse_int(extract(page, config.get("reposts"))),
        "comments": parse_int(extract(page, config.get("comments"))),
        "views": parse_int(extract(page, config.get("views"))),
        "reply_text": reply,
        "reply_at": parse_datetime(extract(page, config.get("reply_time"))) if reply else None,
        "external_id": extract(page, config.get("id")),
    }
