"""RSS 2.0 and Atom feeds → entries (lxml, tolerant of broken markup)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from lxml import etree
from parsel import Selector

from crawlers.parsers.fields import clean_text, node_text, parse_datetime
from yuqing.errors import BadInput

log = logging.getLogger(__name__)
_ATOM = "{http://www.w3.org/2005/Atom}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}"


@dataclass(frozen=True)
class FeedEntry:
    title: str
    link: str | None
    guid: str | None
    published_at: datetime | None
    author: str | None
    text: str


def html_to_text(markup: str | None) -> str:
    """Text of an HTML fragment (feed descriptions often carry escaped HTML)."""
    if not markup:
        return ""
    if "<" not in markup:
        return clean_text(markup)
    return node_text(Selector(text=markup).xpath("/html/body"))


def _text(node, *tags: str) -> str | None:
    for tag in tags:
        child = node.find(tag)
        if child is not None:
            value = "".join(child.itertext()).strip()
            if value:
                return value
    return None


def parse_feed(body: bytes) -> list[FeedEntry]:
    """Entries of an RSS 2.0 or Atom document; raises BadInput when it is not a feed at all."""
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise BadInput(f"not an RSS/Atom feed: {exc}") from exc
    if root is None:
        raise BadInput("not an RSS/Atom feed: empty document")
    try:
        tag = root.tag
    except UnicodeDecodeError as exc:
        raise BadInput(f"not an RSS/Atom feed: unreadable root element ({exc.reason})") from exc
    if tag == f"{_ATOM}feed":
        return _kept(root.iter(f"{_ATOM}entry"), _atom_entry)
    if tag not in ("rss", "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"):
        raise BadInput(f"not an RSS/Atom feed: root element <{tag}>")
    return _kept(root.iter("item", "{http://purl.org/rss/1.0/}item"), _rss_item)


def _kept(nodes, read) -> list[FeedEntry]:
    """Every entry that can be read. recover=True keeps a name or value holding a lone surrogate
    (xmlns="&#xD800;…", &#xD800;) that lxml then cannot read back: that entry alone is dropped."""
    kept = []
    for node in nodes:
        try:
            kept.append(read(node))
        except UnicodeDecodeError as exc:
            log.warning("feed entry dropped: unreadable name or value (%s)", exc.reason)
    return kept


def _atom_entry(entry) -> FeedEntry:
    link = None
    for candidate in entry.findall(f"{_ATOM}link"):
        if candidate.get("rel", "alternate") == "alternate":
            link = candidate.get("href")
            break
    author = entry.find(f"{_ATOM}author")
    return FeedEntry(
        title=_text(entry, f"{_ATOM}title") or "",
        link=link,
        guid=_text(entry, f"{_ATOM}id"),
        published_at=parse_datetime(_text(entry, f"{_ATOM}published", f"{_ATOM}updated")),
        author=_text(author, f"{_ATOM}name") if author is not None else None,
        text=html_to_text(_text(entry, f"{_ATOM}content", f"{_ATOM}summary")),
    )


def _rss_item(item) -> FeedEntry:
    return FeedEntry(
        title=_text(item, "title", "{http://purl.org/rss/1.0/}title") or "",
        link=_text(item, "link", "{http://purl.org/rss/1.0/}link"),
        guid=_text(item, "guid"),
        published_at=parse_datetime(_text(item, "pubDate", f"{_DC}date")),
        author=_text(item, f"{_DC}creator", "author"),
        text=html_to_text(_text(item, f"{_CONTENT}encoded", "description", "{http://purl.org/rss/1.0/}description")),
    )
