"""Title, printed date and time, source and author of an article page.

* Title: the article's own heading (h1/h2, an element named *title*, ArticleTitle/og:title)
  cross-checked against <title> — the longest heading that <title> also holds wins, so a logo
  <h1> or a nav heading loses; the site name is stripped whatever the separator (`_`, `|`, `-`,
  `--`, `——` when what follows names a site). A headline the page prints on two lines, a marked
  pre-title (引题, kicker) right above that heading, is read as a reader reads it: a pre-title that
  is a headline in itself is the headline, and the heading under it its subtitle (the news CMS's
  <h1> and <title> then carry the print edition's display line, often with a series label such as
  （推动高质量发展·权威发布）); a pre-title that leads into the line under it (…时强调) is joined to it.
* Date: what the page prints near the title (发布时间/发布日期/发文日期 first) wins over meta tags,
  and the time of day is kept; a meta time fills in only a printed date of the same day.
* Source and author: the labelled values near the title, or the government meta tags, only when
  they are real names (not CMS ids, 系统管理员, or the next label's text).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from lxml import html as lxml_html

from crawlers.parsers.article_lines import squeeze
from crawlers.parsers.fields import DATE, match_datetime, parse_datetime

# Chinese pages print Beijing time, whatever zone the product runs in
PAGE_ZONE = "Asia/Shanghai"
CHINA = ZoneInfo(PAGE_ZONE)

_PUBLISH_LABEL = re.compile(r"(?:發布|发布|發文|发文|發表|发表|刊发|上传|更新)(?:時間|时间|日期|于)?\s*[:：]?\s*$")
_OTHER_LABEL = re.compile(r"(?:時間|时间|日期|来源|來源)\s*[:：]?\s*\S{0,16}$")
_WRITTEN_LABEL = re.compile(r"(?:成文|印发|生成|截止|有效期|访问)(?:時間|时间|日期)?\s*[:：]?\s*$")

_BYLINE_LABEL = re.compile(r"来源|來源|作者|发布|發布|编辑|時間|时间|收藏|回复|分享")
_JUNK_TITLE = re.compile(r"\bnull\b|\bundefined\b|^无标题|^untitled", re.I)
_LABELLED_TITLE = re.compile(r"^\s*(?:主题|标题|題目|题目|主題|標題)\s*[:：]\s*(\S.{3,100})$")
_TITLE_LABEL_ONLY = re.compile(r"^\s*(?:主题|标题|題目|题目|主題|標題)\s*[:：]\s*$")
_SITE_ONLY = re.compile(r"(?:门户网站|網站|网站|官网|官方网站|人民政府|政府网|信息网|新闻网)$")
_SEP_ALWAYS = re.compile(r"\s*[_|｜]\s*")
_SEP_SPACED = re.compile(r"\s+[-–—]+\s+|\s*--\s*|\s*::\s*")
_SEP_SITE = re.compile(r"\s*(?:——|—|-)\s*(?=[^——\-]{2,30}$)")
_SITE_WORD = re.compile(r"网|網|站|频道|頻道|政府|官方|平台|社区|论坛|門戶|门户|\.com|\.cn|订阅|日报|在线|powered|discuz|中心|中国|新闻",
                        re.I)
# a pre-title as CMSs mark it in a class or id: pre, pretitle, pre-title, kicker, yinti, yt, overtitle…
_KICKER_NAME = re.compile(r"^(?:pre|kicker|yinti|yt|eyebrow|overline)(?:[-_]?title)?$|^(?:over|super|sup|top)[-_]?title$"
                          r"|^title[-_]?pre$", re.I)
# a pre-title that only leads into the line under it ("李强在新疆调研时强调"): one headline with it
_LEAD_IN = re.compile(r"(?:强调|指出|表示|要求|提出|称|说|宣布|寄语|[:：,，、])$")
_PAGE_SUFFIX = re.compile(r"\s*[(（]\s*(?:页|第)\s*\d+\s*页?\s*[)）]\s*$")
_NAME_JUNK = re.compile(r"^(?:系统管理员|管理员|admin|administrator|root|佚名|未知|null|none|本站|本网|网站管理员)$", re.I)
_LABEL_WORD = re.compile(r"^(?:作者|来源|來源|编辑|責任編輯|责任编辑|发布时间|发布日期|时间|日期|浏览|点击|字号|打印|关闭)")
_SOURCE = re.compile(r"(?<![\u4e00-\u9fff])(?:來源|来源|信息來源|信息来源|稿源|稿件来源|文章来源|本文来源|新闻来源|發布機構|发布机构)\s*[:：]\s*"
                     r"([^\s|｜:：，,。（(\[【\d]{2,30})")
_AUTHOR = re.compile(r"(?<![\u4e00-\u9fff])(?:作者|撰稿|撰文|記者|记者)\s*[:：]\s*([^\s|｜:：，,。（(\[【\d]{2,12})"
                     r"(?=$|[\s|｜)）\]】\d])", re.M)
_AUTHOR_PREFIX = re.compile(r"^(?:本报记者|本刊记者|记者|記者|通讯员|文|图)\s*[/:：]?\s*")


def meta_value(meta: dict[str, str], *names: str) -> str | None:
    for name in names:
        value = meta.get(name.lower())
        if value:
            # a CMS sometimes leaves markup in the value (ArticleTitle with a literal <div>)
            if "<" in value:
                try:
                    value = lxml_html.fragment_fromstring(value, create_parent="div").text_content()
                except Exception:  # noqa: BLE001 - an unparsable value is just text
                    pass
            value = " ".join(value.split())
            if value:
                return value
    return None


def strip_site(title: str, site_name: str | None = None) -> str:
    """The headline without the site's name, whatever the separator."""
    title = " ".join((title or "").split())
    if site_name and title.endswith(site_name) and len(title) > len(site_name) + 2:
        title = title[: -len(site_name)].rstrip(" -_|｜—:")
    for separator in (_SEP_ALWAYS, _SEP_SPACED):
        head = separator.split(title, maxsplit=1)[0]
        if len(squeeze(head)) >= 4:
            title = head
    while True:
        match = _SEP_SITE.search(title)
        if not match or not _SITE_WORD.search(title[match.end():]) or len(squeeze(title[:match.start()])) < 4:
            break
        title = title[:match.start()]
    return _PAGE_SUFFIX.sub("", title).strip()


def _span_in(haystack: str, needle: str) -> str | None:
    """The part of `haystack` that equals `needle` once whitespace is deleted (keeping haystack's spaces)."""
    flat_needle = squeeze(needle)
    if not flat_needle:
        return None
    positions = [i for i, c in enumerate(haystack) if not c.isspace()]
    flat = "".join(haystack[i] for i in positions)
    start = flat.find(flat_needle)
    if start < 0:
        return None
    return " ".join(haystack[positions[start]: positions[start + len(flat_needle) - 1] + 1].split())


def heading_text(raw: str) -> str:
    """A heading's text on one line: a line break between Chinese characters joins them (a title
    shown on two lines), other whitespace becomes one space."""
    text = re.sub(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s*\n\s*(?=[\u3000-\u9fff\uff00-\uffef])", "", raw.strip())
    return " ".join(text.split())


def _nearest_heading(tree, heading_elements, block) -> str | None:
    if block is None:
        return None
    order = {element: i for i, element in enumerate(tree.iter())}
    # headings before the article's first sentence: above the block, or at its top
    first = next((e for e in block.iter() if isinstance(e.tag, str) and len((e.text or "").strip()) >= 20), block)
    limit = order.get(first, 0)
    for element, raw in sorted(heading_elements, key=lambda pair: -order.get(pair[0], 0)):
        text = heading_text(raw)
        if order.get(element, 0) < limit and 6 <= len(squeeze(text)) <= 80 \
                and not DATE.search(text) and not _BYLINE_LABEL.search(text):
            return text
    return None


def _with_kicker(title: str, heading_elements) -> str:
    """`title`, or the headline it belongs to when the page marks a pre-title right above it."""
    flat = squeeze(title)
    for element, raw in heading_elements:
        if not flat or squeeze(heading_text(raw)) != flat:
            continue
        kicker = element.getprevious()
        while kicker is not None and (not isinstance(kicker.tag, str) or not squeeze(kicker.text_content())):
            kicker = kicker.getprevious()
        if kicker is None or not any(_KICKER_NAME.match(token) for token in
                                     f"{kicker.get('class') or ''} {kicker.get('id') or ''}".split()):
            continue
        text = heading_text(kicker.text_content())
        if not 4 <= len(squeeze(text)) <= 60 or DATE.search(text) or _BYLINE_LABEL.search(text):
            continue
        return f"{text} {title}" if _LEAD_IN.search(text) else text
    return title


def choose_title(tree, title_tag: str, meta: dict[str, str], block=None, lines: list[str] | None = None) -> str:
    heading_elements = []
    for element in tree.iter("h1", "h2", "h3"):
        if next(element.iterancestors("a"), None) is not None:
            continue
        heading_elements.append((element, element.text_content()))
    for element in tree.xpath("//*[contains(translate(@class,'TITLE','title'),'title') or "
                              "contains(translate(@id,'TITLE','title'),'title')]"):
        if element.tag not in ("a", "body", "html", "ul", "ol", "table"):
            heading_elements.append((element, element.text_content()))
    title = _page_title(tree, title_tag, meta, block, lines or [], heading_elements)
    return _with_kicker(title, heading_elements)


def _page_title(tree, title_tag: str, meta: dict[str, str], block, lines: list[str], heading_elements) -> str:
    site_name = meta_value(meta, "SiteName", "og:site_name", "application-name")
    headings = [raw for _, raw in heading_elements]
    metas = [m for m in (meta_value(meta, name) for name in
                         ("ArticleTitle", "og:title", "twitter:title", "headline", "title")) if m]
    full_title = " ".join(title_tag.split())
    candidates = []
    for raw in headings + metas:
        text = heading_text(raw)
        if not 4 <= len(squeeze(text)) <= 150:
            continue
        text = strip_site(text, site_name)
        span = _span_in(full_title, text) if full_title else None
        if span and len(squeeze(span)) >= 4:
            candidates.append(span)
    flat_full = squeeze(strip_site(full_title, site_name))
    if (not candidates and _SITE_ONLY.search(flat_full)) or (site_name and flat_full == squeeze(site_name)):
        # <title> is the site's name and no heading repeats it: the heading nearest before the article
        near = _nearest_heading(tree, heading_elements, block)
        if near:
            return strip_site(near, site_name)
    if len(flat_full) >= 4 and all(squeeze(c) == flat_full for c in candidates):
        # <title> holding only the site's name: the first heading that starts with it and says more
        # (the one nearest before the article block, as a page lists other headlines in its menus)
        found = [element for element, raw in heading_elements
                 if (flat := squeeze(heading_text(raw))).startswith(flat_full) and len(flat_full) + 4 < len(flat) <= 150
                 and not DATE.search(raw) and not _BYLINE_LABEL.search(raw)]
        if found:
            chosen = found[0]
            if block is not None:
                order = {element: i for i, element in enumerate(tree.iter())}
                before = [e for e in found if order.get(e, 0) < order.get(block, 0)]
                chosen = max(before, key=lambda e: order[e]) if before else chosen
            return strip_site(heading_text(chosen.text_content()), site_name)
    if candidates:
        return max(candidates, key=lambda c: len(squeeze(c)))
    stripped = strip_site(full_title, site_name) if full_title else ""
    if not stripped or len(squeeze(stripped)) < 6 or _JUNK_TITLE.search(full_title):
        # no usable <title> (a forum's "… :: null"): a labelled 主题：/标题： line on the page
        for index, line in enumerate(lines):
            if match := _LABELLED_TITLE.match(line):
                return " ".join(match.group(1).split())
            if _TITLE_LABEL_ONLY.match(line) and index + 1 < len(lines) and 4 <= len(lines[index + 1]) <= 100:
                return lines[index + 1]
    for raw in metas[:2] + [h for h in headings[:3]]:
        text = strip_site(heading_text(raw), site_name)
        if len(squeeze(text)) >= 6 and (not stripped or len(squeeze(stripped)) < 6 or _JUNK_TITLE.search(stripped)):
            return text
    if stripped and not _JUNK_TITLE.search(stripped):
        return stripped
    return next((strip_site(heading_text(h)) for h in headings if len(squeeze(h)) >= 6), stripped)


def _plausible(value: datetime | None) -> bool:
    return value is not None and 1995 <= value.year <= datetime.now(UTC).year + 1


def printed_date(lines: list[str], title: str) -> tuple[datetime | None, bool]:
    """(the date printed near the title, whether it carries a time of day)."""
    flat_title = squeeze(title)[:12]
    start = next((i for i, line in enumerate(lines) if flat_title in squeeze(line)), None) if flat_title else None
    window = lines if start is None else lines[start:start + 60]
    found: list[tuple[int, int, datetime, bool]] = []  # (rank, order, value, has time)
    order = 0
    for line in window:
        for match in DATE.finditer(line):
            value = match_datetime(match, PAGE_ZONE)
            if not _plausible(value):
                continue
            before = line[:match.start()]
            if _WRITTEN_LABEL.search(before[-12:]):
                rank = 3
            elif _PUBLISH_LABEL.search(before[-12:]):
                rank = 0
            elif _OTHER_LABEL.search(before[-24:]) or match.group("H"):
                rank = 1
            else:
                rank = 2
            found.append((rank, order, value, match.group("H") is not None))
            order += 1
    if not found and start is not None:
        return printed_date(lines, "")  # nothing printed near the title: the whole page
    if not found:
        return None, False
    _, _, value, has_time = min(found)
    return value, has_time


def choose_date(lines: list[str], title: str, meta: dict[str, str]) -> datetime | None:
    printed, has_time = printed_date(lines, title)
    meta_date = parse_datetime(meta_value(meta, "PubDate", "article:published_time", "publishdate", "datePublished",
                                      "pubdate", "publish_time", "og:release_date", "weibo:article:create_at"),
                               tz=PAGE_ZONE)
    if not _plausible(meta_date):
        meta_date = None
    if printed is None:
        return meta_date
    if not has_time and meta_date is not None and \
            meta_date.astimezone(CHINA).date() == printed.astimezone(CHINA).date():
        return meta_date
    return printed


def real_name(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip(" \t:：-—|｜()（）[]【】")
    if not value or len(value) > 30 or _NAME_JUNK.match(value) or _LABEL_WORD.match(value):
        return None
    if re.fullmatch(r"[\dA-Za-z_\-./#]+", value) and not re.search(r"[A-Za-z]{3,}", value):
        return None  # a CMS id, not a name
    return value


def source_and_author(lines: list[str], title: str, meta: dict[str, str],
                      title_tag: str = "") -> tuple[str | None, str | None]:
    flat_title = squeeze(title)[:12]
    start = next((i for i, line in enumerate(lines) if flat_title and flat_title in squeeze(line)), 0)
    head = "\n".join(lines[start:start + 40])
    source = real_name(meta_value(meta, "ContentSource", "source"))
    if not source and (match := _SOURCE.search(head)):
        source = real_name(match.group(1))
    author = real_name(meta_value(meta, "Author", "article:author"))
    if author:
        # a meta author that is the site's own name (网易, 中国科普网) names nobody
        flat = squeeze(author)
        if flat in squeeze(title_tag) and flat not in squeeze(title):
            author = None
    if not author and (match := _AUTHOR.search(head)):
        author = real_name(match.group(1))
    if author:
        author = real_name(_AUTHOR_PREFIX.sub("", author))
    return source, author
