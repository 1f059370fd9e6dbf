"""Articles on government and news sites: the main text without page furniture, title, date, author.

The main text comes from trafilatura (a maintained boilerplate remover: navigation, footers,
share/print bars). Government portals add their own furniture inside the content box
("[收藏] [打印] [關閉]", 字號[大 中 小], 【打印本页】…); those lines are removed here too.
Spam is never dropped silently: the whole page (visible text and hidden links, including what the
extractor threw away) is checked with `nlp.normalize.detect_spam`, and the article is marked
with the reason and the injected lines are listed.
Metadata comes first from the meta tags that Chinese government sites carry by standard
(ArticleTitle, PubDate, ContentSource, Author; 《政府网站发展指引》), then from the visible
"发布时间：… 来源：… 作者：…" line, then from trafilatura/htmldate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import trafilatura

from crawlers.parsers.fields import html_document
from nlp.normalize import detect_spam
from yuqing.errors import BadInput

CHINA = ZoneInfo("Asia/Shanghai")
MIN_TEXT_CHARS = 20
SHORT_LINE = 24  # a spam line this short standing alone is an injection, not a paragraph

# lines that are nothing but page furniture (traditional and simplified forms)
_FURNITURE_TOKEN = (
    r"\[\s*(?:收藏|打印|關閉|关闭|返回|頂部|顶部|分享|列印|保存|糾錯|纠错)\s*\]"
    r"|【\s*(?:打印本頁|打印本页|打印|關閉窗口|关闭窗口|關閉|关闭|收藏|返回頂部|返回顶部|字號|字号)\s*】"
    r"|(?:字號|字号|字體|字体)\s*[:：]?\s*\[?\s*[大中小](?:\s*[大中小])*\s*\]?"
    r"|(?:打印本頁|打印本页|關閉窗口|关闭窗口|分享到|返回頂部|返回顶部|加入收藏)"
    r"|(?:瀏覽次數|浏览次数|訪問量|访问量|点击数|點擊數)\s*[:：]?\s*\d*"
)
_FURNITURE_LINE = re.compile(rf"^(?:\s*(?:{_FURNITURE_TOKEN})\s*[|｜/]?)+\s*$")

_DATE_LABEL = r"(?:發布時間|发布时间|發布日期|发布日期|發文日期|发文日期|成文日期|時間|时间|日期)"
_DATE_VALUE = (
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*(\d{1,2})\s*[:：時时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?"
)
_LABELLED_DATE = re.compile(_DATE_LABEL + r"\s*[:：]\s*" + _DATE_VALUE)
_ANY_DATE = re.compile(_DATE_VALUE)
_AUTHOR = re.compile(r"(?:作者|撰稿|撰文|記者|记者|編輯|编辑|责任编辑|責任編輯)\s*[:：]\s*([^\s|｜:：]{2,20})")
_SOURCE = re.compile(r"(?:來源|来源|信息來源|信息来源|發布機構|发布机构)\s*[:：]\s*([^\s|｜:：]{2,30})")
_TITLE_SUFFIX = re.compile(r"\s*[-_|｜—]+\s*[^-_|｜—]{2,30}(?:人民政府|政府网|政府網|门户网站|門戶網站|网|網)\s*$")


@dataclass
class Article:
    url: str
    title: str
    text: str
    published_at: datetime | None
    author: str | None
    source_name: str | None
    spam: bool = False
    spam_reason: str | None = None
    injected: list[str] = field(default_factory=list)  # the page lines that made it spam
    furniture_removed: list[str] = field(default_factory=list)


def _local(parts) -> datetime | None:
    year, month, day, hour, minute, second = (int(p) if p else 0 for p in parts)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=CHINA).astimezone(UTC)
    except ValueError:
        return None


def parse_date(value: str | None) -> datetime | None:
    """A Chinese or ISO date/time string (taken as Beijing time when naive) → aware UTC."""
    if not value:
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        match = _ANY_DATE.search(value)
        return _local(match.groups()) if match else None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA)).astimezone(UTC)


def _meta(tree, *names: str) -> str | None:
    for name in names:
        for attr in ("name", "property", "itemprop"):
            values = tree.xpath(f"//meta[translate(@{attr},'ABCDEFGHIJKLMNOPQRSTUVWXYZ','abcdefghijklmnopqrstuvwxyz')=$n]/@content",
                                n=name.lower())
            for value in values:
                if value and value.strip():
                    return value.strip()
    return None


def _visible_lines(tree) -> list[str]:
    """Every text line of the body, hidden parts included (spam hides there), scripts and styles excluded."""
    body = tree.find("body")
    root = body if body is not None else tree
    pieces: list[str] = []
    for element in root.iter():
        if element.tag in ("script", "style", "noscript") or not isinstance(element.tag, str):
            if element.tail and element.tail.strip():
                pieces.append(element.tail)
            continue
        if element.text and element.text.strip():
            pieces.append(element.text)
        if element.tail and element.tail.strip():
            pieces.append(element.tail)
    lines: list[str] = []
    for piece in pieces:
        lines += [line.strip(" \t\xa0\u3000") for line in piece.splitlines()]
    return [line for line in lines if line]


def strip_furniture(text: str) -> tuple[str, list[str]]:
    """(text without furniture lines, the removed lines)."""
    kept, removed = [], []
    for line in text.splitlines():
        stripped = line.strip(" \t\xa0\u3000")
        if not stripped:
            continue
        if _FURNITURE_LINE.match(stripped):
            removed.append(stripped)
        else:
            kept.append(stripped)
    return "\n".join(kept), removed


def _clean_title(title: str | None, site_name: str | None) -> str:
    title = re.sub(r"\s+", " ", title or "").strip()
    if site_name and title.endswith(site_name) and len(title) > len(site_name) + 2:
        title = title[: -len(site_name)].rstrip(" -_|｜—")
    return _TITLE_SUFFIX.sub("", title).strip()


def parse_article(page: str, *, url: str, config: dict | None = None) -> Article:
    """Extract one article page. `config` may name `content_xpath` (where the text is, when the
    extractor guesses wrong on a site) and `title_xpath`. Raises BadInput when there is no article."""
    config = config or {}
    tree = html_document(page, url=url)

    document = None
    if config.get("content_xpath"):
        nodes = tree.xpath(config["content_xpath"])
        text = "\n".join(
            "\n".join(n.itertext()) if hasattr(n, "itertext") else str(n) for n in nodes
        )
    else:
        document = trafilatura.bare_extraction(
            page, url=url, with_metadata=True, include_comments=False, include_tables=True,
            include_links=False, include_images=False, deduplicate=False,
        )
        text = document.text if document is not None and document.text else ""
    text, furniture = strip_furniture(text)

    title = None
    if config.get("title_xpath"):
        found = tree.xpath(config["title_xpath"])
        title = " ".join(f.text_content() if hasattr(f, "text_content") else str(f) for f in found)
    title = title or _meta(tree, "ArticleTitle", "og:title", "headline")
    if not title:
        h1 = tree.xpath("//h1")
        title = h1[0].text_content() if h1 else None
    title = title or (document.title if document is not None else None) or tree.findtext(".//title")
    site_name = _meta(tree, "SiteName", "og:site_name")
    title = _clean_title(title, site_name)

    lines = _visible_lines(tree)
    head = "\n".join(lines[:80])
    published = parse_date(_meta(tree, "PubDate", "article:published_time", "publishdate", "datePublished"))
    if published is None and (match := _LABELLED_DATE.search(head)):
        published = _local(match.groups())
    if published is None and document is not None and document.date:
        published = parse_date(document.date)
    author = _meta(tree, "Author", "article:author")
    if not author and (match := _AUTHOR.search(head)):
        author = match.group(1)
    if not author and document is not None and document.author:
        author = document.author
    source_name = _meta(tree, "ContentSource")
    if not source_name and (match := _SOURCE.search(head)):
        source_name = match.group(1)

    if len(text) < MIN_TEXT_CHARS:
        raise BadInput(f"no article text at {url} ({len(text)} characters after removing furniture)")

    # the extractor throws injected lines away with the furniture: judge what it left out (and the
    # title), so the page is marked even though its text is clean. Lines of the main text are the
    # publisher's words and are judged by the pipeline as a whole, never cut out here.
    main_lines = set(text.splitlines())
    injected: list[str] = []
    reason = None
    for line in [title, *lines]:
        if line in main_lines or line in injected:
            continue
        is_spam, why = detect_spam(line)
        if is_spam:
            injected.append(line)
            reason = reason or why
    return Article(
        url=url, title=title, text=text, published_at=published, author=author, source_name=source_name,
        spam=bool(injected), spam_reason=(f"injected: {reason}" if reason else None), injected=injected,
        furniture_removed=furniture,
    )


def parse_text_page(page: str, *, url: str) -> Article:
    """A page already reduced to text (text/plain, or an archived copy such as the seed): first
    line is the title, furniture lines go, spam lines are marked and kept out of the text."""
    lines = [line.strip(" \t\xa0\u3000") for line in (page or "").splitlines()]
    lines = [line for line in lines if line]
    if len(lines) < 2:
        raise BadInput(f"no article text at {url}")
    title, body = lines[0], "\n".join(lines[1:])
    text, furniture = strip_furniture(body)
    # what follows the page's furniture (or stands alone as a short line) is not the publisher's:
    # a spam line there is injected and taken out of the text; a spam word inside a paragraph stays
    # (the article is still marked, with the reason)
    raw_lines = [line.strip(" \t\xa0\u3000") for line in body.splitlines() if line.strip(" \t\xa0\u3000")]
    last_furniture = max((i for i, line in enumerate(raw_lines) if line in furniture), default=len(raw_lines))
    tail = set(raw_lines[last_furniture + 1:])
    kept, injected, reason = [], [], None
    for line in text.splitlines():
        is_spam, why = detect_spam(line)
        if is_spam:
            reason = reason or why
            if line in tail or len(line) <= SHORT_LINE:
                injected.append(line)
                continue
        kept.append(line)
    published = None
    for line in kept[:40]:
        if match := _LABELLED_DATE.search(line):
            published = _local(match.groups())
            break
    return Article(
        url=url, title=title, text="\n".join(kept), published_at=published, author=None, source_name=None,
        spam=reason is not None, spam_reason=(f"{'injected: ' if injected else ''}{reason}" if reason else None),
        injected=injected,
        furniture_removed=furniture,
    )
