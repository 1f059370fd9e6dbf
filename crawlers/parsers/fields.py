"""Small extractors shared by the page parsers: configurable selectors, numbers, dates, text."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from parsel import Selector, SelectorList

from yuqing.errors import BadInput, ConfigError

# The one date(time) pattern of the crawlers: ISO 8601, 2019/2/28, 2019 06-15, 2019年2月8日 09时05分,
# 2019年06月15日08:18 (no space before the time, as pages print it), full-width colons, fractions of
# a second and a zone after the time; years 19xx/20xx only, so an id or a phone number does not read as a date.
DATE = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*(?:[-/.年]|\s)\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d)\s*日?"
    r"(?:(?:T|\s*)(?P<H>\d{1,2})\s*[:：時时]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2}))?(?:\.\d+)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?)?"  # a zone only after a time: "2020-01-01-2020-12-31" is a range
)
_C_TIME = re.compile(r"^[A-Za-z]{3} [A-Za-z]{3} +\d{1,2} \d{2}:\d{2}:\d{2} [+-]\d{4} \d{4}$")
_INT = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*([万wW千kK])?")
_SPACE = re.compile(r"[ \t\r\f\v\u3000\xa0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def select(node: Selector | SelectorList, spec) -> SelectorList:
    """Apply a selector spec: "css" or {"css": ...} / {"xpath": ...} (an optional "re" is applied later)."""
    if isinstance(spec, str):
        return node.css(spec)
    if isinstance(spec, dict):
        if "css" in spec:
            return node.css(spec["css"])
        if "xpath" in spec:
            return node.xpath(spec["xpath"])
    raise ConfigError(f"selector {spec!r} must be a CSS string or a mapping with css/xpath")


def node_text(selected: SelectorList) -> str:
    """Readable text of the selected nodes: strings as they are; in an element, each block (p, div,
    li, heading, table row …, nested ones too) its own lines and <br> a line break, the text between
    them kept where it stands. The one HTML-to-text of the crawlers (feeds and Weibo use it too)."""
    parts = []
    for item in selected:
        root = item.root
        parts.append(root if isinstance(root, str) else "\n".join(_lines(item)))
    return clean_text("\n".join(parts))


_BLOCKS = frozenset({"p", "div", "li", "ul", "ol", "table", "tr", "section", "article", "blockquote",
                     "h1", "h2", "h3", "h4", "h5", "h6", "pre"})


def _lines(element: Selector) -> list[str]:
    lines, current = [], []
    for child in element.xpath("./node()"):
        root = child.root
        if isinstance(root, str):
            current.append(root)
            continue
        tag = getattr(root, "tag", None)
        if not isinstance(tag, str) or tag in ("script", "style"):
            continue  # a comment, a processing instruction, code
        if tag == "br" or tag in _BLOCKS:
            lines.append("".join(current))
            current = []
            if tag != "br":
                lines.extend(_lines(child))
        else:
            current.append(child.xpath("string()").get(""))
    lines.append("".join(current))
    return [line for line in lines if line.strip()]


def extract(node: Selector | SelectorList, spec) -> str | None:
    """The text a field spec selects (with its "re" applied: first group kept), or None."""
    if spec is None:
        return None
    selected = select(node, spec)
    if not selected:
        return None
    text = node_text(selected)
    pattern = spec.get("re") if isinstance(spec, dict) else None
    if pattern:
        match = re.search(pattern, text)
        if not match:
            return None
        text = match.group(1) if match.groups() else match.group(0)
    return text.strip() or None


def clean_text(text: str) -> str:
    text = _SPACE.sub(" ", text.replace("\r\n", "\n"))
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n", text).strip()


def parse_int(text: str | None) -> int:
    """"点赞数：1,234" → 1234, "1.2万" → 12000; 0 when there is no number."""
    if not text:
        return 0
    match = _INT.search(text)
    if not match:
        return 0
    value = float(match.group(1).replace(",", ""))
    scale = {"万": 10_000, "w": 10_000, "W": 10_000, "千": 1000, "k": 1000, "K": 1000}.get(match.group(2) or "", 1)
    return int(value * scale)


def parse_datetime(text: str | None, tz: str | None = None) -> datetime | None:
    """The first date(time) in `text` (2019-02-25 23:00:53, 2019/2/28, 2019年2月28日 11时5分, RFC 822,
    ISO 8601, C's ctime with a zone as Weibo gives it) as an aware UTC datetime; a time without zone is local time of `tz` (default: the
    product's zone, YUQING_TIMEZONE)."""
    if not text:
        return None
    if tz is None:
        from yuqing.clock import zone_name

        tz = zone_name()
    text = text.strip()
    if _C_TIME.match(text):  # Weibo's created_at: "Sat Nov 21 08:00:00 +0800 2026"
        try:
            return datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y").astimezone(UTC)
        except ValueError:
            return None
    if re.match(r"^[A-Za-z]{3},", text):
        try:
            value = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            value = None
        if value is not None:
            if value.tzinfo is None:
                value = value.replace(tzinfo=ZoneInfo(tz))
            return value.astimezone(UTC)
    match = DATE.search(text)
    return match_datetime(match, tz) if match else None


def match_datetime(match: re.Match, tz: str) -> datetime | None:
    """The moment a `DATE` match names, as aware UTC: in its zone suffix, else local time of `tz`;
    None when there is no such day (2019-02-30)."""
    parts = {k: int(v) for k, v in match.groupdict().items() if v and k != "tz"}
    try:
        value = datetime(parts["y"], parts["m"], parts["d"], parts.get("H", 0), parts.get("M", 0), parts.get("S", 0))
    except ValueError:
        return None
    zone = match.group("tz")
    if zone == "Z":
        value = value.replace(tzinfo=UTC)
    elif zone:
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        value = value.replace(tzinfo=timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))))
    else:
        value = value.replace(tzinfo=ZoneInfo(tz))
    return value.astimezone(UTC)


def html_document(page: str, *, url: str):
    """The lxml tree of a whole page; an empty or unparsable page is BadInput naming the URL."""
    from lxml import html as lxml_html

    if not page or not page.strip():
        raise BadInput(f"empty page: {url}")
    try:
        return lxml_html.document_fromstring(page)
    except (ValueError, lxml_html.etree.ParserError) as exc:
        raise BadInput(f"unparsable HTML at {url}: {exc}") from exc


def join_url(base: str, href: str) -> str | None:
    """`href` resolved against `base`; None when it is not a URL at all ("http://[casino.example/":
    urllib raises on a broken IPv6 bracket)."""
    try:
        return urljoin(base, href.strip())
    except ValueError:
        return None
