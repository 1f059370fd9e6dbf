"""Articles on government and news sites: the main text without page furniture, title, date, author.

The page is read as a browser shows it (`article_dom`: stray `</html>` ignored, hidden elements
aside), the article is the densest block of sentence text (`article_dom.content_block`), and its
lines lose the furniture that Chinese CMSs put inside the content box (`article_lines`: editor
and byline lines, 原标题, share bars, 字号, pagers, related lists, footers). Title, printed time,
source and author come from `article_meta`. On a forum thread the article is the topic post, the
first of the posts, however short (a question can be all in the subject line): the replies are
other people's text, whichever of them is longest. A page without an article body is BadInput (the
spider logs it as a drop with the reason), never a post.
Spam: the article is marked when its title, something hidden on the page, or a link from the
article box to another site is spam (`nlp.normalize.detect_spam`): injections hide, a site's own visible menu
does not make its articles spam, and the publisher's paragraphs are judged by the pipeline as a
whole, never cut out here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from urllib.parse import urlsplit

from crawlers.parsers.article_dom import (
    content_block,
    emphasised_texts,
    post_box_named,
    reader_tree,
    render_lines,
    text_len,
    thread_posts,
)
from crawlers.parsers.article_lines import FURNITURE_LINE, squeeze, trim_lines
from crawlers.parsers.article_meta import PAGE_ZONE, choose_date, choose_title, source_and_author
from crawlers.parsers.fields import DATE, join_url, match_datetime
from nlp.normalize import detect_spam
from yuqing.errors import BadInput

__all__ = ["Article", "parse_article", "parse_text_page", "strip_furniture"]

MIN_TEXT_CHARS = 20
MIN_SENTENCE_CHARS = 60  # below this a block without a sentence mark is a notice, not an article
ERROR_PAGE_CHARS = 200  # a text this short that says 错误/不存在/无权… is the site's error page
HIDDEN_PIECE_CHARS = 200
SHORT_LINE = 24  # a spam line this short standing alone is an injection, not a paragraph
_SENTENCE = re.compile(r"[，。；！？,;!?]")
_ERROR_PAGE = re.compile(r"发生错误|错误信息|错误的|出错了|不存在|已被删除|已删除|无权访问|没有权限|权限不足|找不到|未找到|"
                         r"404|参数错误|有效的连接|请先登录|登录后(?:查看|浏览)|审核中|已关闭")
_LABELLED_DATE = re.compile(r"(?:發布時間|发布时间|發布日期|发布日期|發文日期|发文日期|成文日期|時間|时间|日期)\s*[:：]\s*"
                            + DATE.pattern)


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


def strip_furniture(text: str) -> tuple[str, list[str]]:
    """(text without furniture lines, the removed lines)."""
    kept, removed = [], []
    for line in text.splitlines():
        stripped = line.strip(" \t\xa0\u3000")
        if not stripped:
            continue
        if FURNITURE_LINE.match(stripped):
            removed.append(stripped)
        else:
            kept.append(stripped)
    return "\n".join(kept), removed


def _no_article(text: str, url: str, *, topic_post: bool) -> None:
    flat = squeeze(text)
    if topic_post and flat:
        return  # a thread's first post is its article, however short
    if len(flat) < MIN_TEXT_CHARS:
        raise BadInput(f"无正文（no article text）：{url} 去掉页面杂项后只剩 {len(flat)} 个字")
    if len(flat) < MIN_SENTENCE_CHARS and len(_SENTENCE.findall(flat)) < 2:
        raise BadInput(f"无正文（no article）：{url} 只有一句简短提示「{flat[:40]}」")
    if len(flat) < ERROR_PAGE_CHARS and _ERROR_PAGE.search(flat):
        raise BadInput(f"无正文（no article）：{url} 是网站的出错页「{flat[:60]}」")


def _topic_post(tree, block):
    """The thread's first post when the densest block is in a thread (a post, inside one, or the
    posts' list); None on a page whose own text is elsewhere (an article with numbered comments)."""
    if block is not None and not any(isinstance(node.tag, str) and post_box_named(node)
                                     for node in chain(block.iterancestors(), block.iter())):
        return None  # no post box around or in the article's text: no thread to look for
    posts = thread_posts(tree)
    if not posts:
        return None
    if block is None or block in posts or any(parent in posts for parent in block.iterancestors()):
        return posts[0]
    inside = [post for post in posts if block in post.iterancestors()]
    if inside and 2 * sum(text_len(post) for post in inside) >= text_len(block):
        return posts[0]
    return None


def _injected(title: str, page, block, url: str) -> tuple[list[str], str | None]:
    # hidden text: short pieces whole (a long hidden block is a duplicate view of the page, such as
    # the 适老 copy of the article, whose own words are the publisher's); hidden links one by one
    candidates = [title, *(text for text in page.hidden_text if len(text) <= HIDDEN_PIECE_CHARS),
                  *(text for text, _ in page.hidden_links)]
    if block is not None:
        # visible links inside the article that leave the site (an injected link points elsewhere;
        # the site's own 办证大厅 or 彩票 section is the site's business)
        own = (urlsplit(url).hostname or "").lower()
        for link in block.iter("a"):
            host = (urlsplit(join_url(url, link.get("href") or "") or "").hostname or "").lower()
            if host and host != own:
                candidates.append(" ".join(link.text_content().split()))
    injected: list[str] = []
    reason = None
    for line in candidates:
        if not line or line in injected:
            continue
        is_spam, why = detect_spam(line)
        if is_spam:
            injected.append(line)
            reason = reason or why
    return injected, reason


def parse_article(page: str, *, url: str, config: dict | None = None) -> Article:
    """Extract one article page. `config` may name `content_xpath` (where the text is, when the
    extractor guesses wrong on a site) and `title_xpath`. Raises BadInput when there is no article."""
    config = config or {}
    reader = reader_tree(page, url=url)
    tree = reader.tree
    body = tree.find("body")
    page_lines = render_lines(body if body is not None else tree, skip_link_boxes=False)

    title = None
    if config.get("title_xpath"):
        found = tree.xpath(config["title_xpath"])
        title = " ".join(" ".join((f.text_content() if hasattr(f, "text_content") else str(f)).split())
                         for f in found)
    if config.get("content_xpath"):
        nodes = tree.xpath(config["content_xpath"])
        block = nodes[0] if nodes and hasattr(nodes[0], "tag") else None
        lines = [line for n in nodes for line in
                 (render_lines(n) if hasattr(n, "tag") else [" ".join(str(n).split())]) if line]
        emphasised, topic = set(), None
    else:
        block, _ = content_block(tree)
        topic = _topic_post(tree, block)
        block = topic if topic is not None else block
        if block is None:
            raise BadInput(f"无正文（no article text）：{url} 页面上没有成段的文字")
        lines = render_lines(block)
        emphasised = emphasised_texts(block)
    title = title or choose_title(tree, reader.title_tag, reader.meta, block, page_lines)
    kept, removed = trim_lines(lines, title=title, emphasised=emphasised)
    text = "\n".join(kept)
    _no_article(text, url, topic_post=topic is not None)

    published = choose_date(page_lines, title, reader.meta)
    source_name, author = source_and_author(page_lines, title, reader.meta, reader.title_tag)
    injected, reason = _injected(title, reader, block, url)
    return Article(
        url=url, title=title, text=text, published_at=published, author=author, source_name=source_name,
        spam=bool(injected), spam_reason=(f"injected: {reason}" if reason else None), injected=injected,
        furniture_removed=removed,
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
            published = match_datetime(match, PAGE_ZONE)
            break
    return Article(
        url=url, title=title, text="\n".join(kept), published_at=published, author=None, source_name=None,
        spam=reason is not None, spam_reason=(f"{'injected: ' if injected else ''}{reason}" if reason else None),
        injected=injected,
        furniture_removed=furniture,
    )
