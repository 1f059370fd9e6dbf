"""The page as a reader sees it, and the block that holds the article.

* `reader_tree`: parsed the way a browser reads it (a stray `</html>`/`</body>` before the content
  does not end the document), scripts, forms' widgets and comments gone, hidden elements
  (display:none, visibility:hidden, `hidden`, off-screen) taken out and kept aside — they are
  duplicates for another view, widgets, or injected spam, never the text a visitor reads.
* `content_block`: the element holding the article, found by text density — each run of text
  outside links adds its weight (sentence punctuation, length) to its enclosing container and half
  to the one above, scaled down by the container's share of link text. Works on div, table and
  Vue-rendered layouts alike, with no per-site rule.
* `thread_posts`: on a forum thread (Discuz!, Tieba, phpBB, vBulletin… all repeat one message box
  per post, named as such and numbered by post or floor), the message boxes in page order.
* `render_lines`: an element as text lines (block elements and <br> break lines, table cells are
  joined on their row), skipping link-dense boxes (related/hot lists) inside the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree
from lxml import html as lxml_html

from yuqing.errors import BadInput

_STRAY_END = re.compile(r"</(?:html|body)\s*>", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>", re.I)
_JUNK = ("script", "style", "noscript", "iframe", "object", "embed", "svg", "canvas", "template", "head",
         "input", "select", "option", "textarea", "button", "video", "audio", "map", "link", "meta")
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|(?:^|[;\s])(?:left|top|margin-left|text-indent)\s*:\s*-\d{3,}", re.I)
_BRACE = re.compile(r"[{}]")
_RULE_HIDES = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_SHOWN_STYLE = re.compile(r"display\s*:\s*(?!none)[a-z-]+", re.I)
_SIMPLE_SELECTOR = re.compile(r"^\s*[a-z0-9]*([.#])([\w-]+)\s*$", re.I)
# boxes that are page chrome by their name (readability's rule), unless the name also says content
_CHROME_NAME = re.compile(
    r"comment|share|bshare|jiathis|related|recommend|relate|footer|copyright|breadcrumb|crumb|sidebar|"
    r"pager|pagination|toolbar|login|hotnews|hot-news|hot_news|rank|\bnav\b|navbar|subnav|\bmenu\b|banner|"
    r"advert|\bad\b|\bads\b|guanggao|qrcode|erweima|weixin|wechat|fontsize|font-size|zihao|jiucuo",
    re.I)
_CONTENT_NAME = re.compile(r"article|content|\bbody\b|main|text|detail|zoom|news_txt|con_?txt|TRS_Editor", re.I)

BLOCK = frozenset({
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr",
    "tbody", "thead", "tfoot", "section", "article", "header", "footer", "aside", "nav", "blockquote",
    "pre", "form", "center", "address", "figure", "figcaption", "main", "hr", "caption", "body", "fieldset",
})
_CONTAINERS = frozenset({"div", "td", "article", "section", "body", "blockquote", "center", "main", "form",
                         "table", "dd", "font", "span"})
_FOOTER_RUN = re.compile(r"版权|本站|ICP|公网安备|免责|声明：|Copyright|©|主办单位|承办单位|联系电话|网站标识码", re.I)
_STAMP = re.compile(r"\d{1,2}[-/月]\d{1,2}日?\s*\d{1,2}:\d{2}|\d{4}[-/年]\d{1,2}[-/月]\d{1,2}")
_NOT_WORD = re.compile(r"[\W\d_]+")
_PUNCT = re.compile(r"[，。；！？、：,;!?“”]")
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# the message box of one post, as forum engines name it: Discuz! td.t_f#postmessage_N and the older
# t_msgfont, Tieba div.d_post_content#post_content_N, phpBB div.postbody, vBulletin post_message_N
_POST_BOX = re.compile(r"post_?(?:message|content|body|text)|postmessage|\bt_f\b|t_msgfont|message_?body|"
                       r"reply_?content|floor_?content|topic_?content", re.I)
_FLOOR = re.compile(r"\d+\s*楼|楼主|沙发|板凳|floor|#\s*1\b", re.I)


@dataclass
class ReaderPage:
    tree: lxml_html.HtmlElement
    hidden_text: list[str] = field(default_factory=list)  # text of hidden elements (injections hide there)
    hidden_links: list[tuple[str, str]] = field(default_factory=list)  # (anchor text, href) of hidden links
    title_tag: str = ""
    meta: dict[str, str] = field(default_factory=dict)  # lower-case name/property/itemprop → content


def _css_rules(css: str) -> list[tuple[str, str]]:
    """(selectors, declarations) of the top-level rules; @media/@supports blocks (screen-size or print
    variants) are left out. One linear scan: nested-brace regexes backtrack badly on big stylesheets."""
    rules, depth, selector_start, body_start, selector = [], 0, 0, 0, ""
    for match in _BRACE.finditer(css):
        if match.group() == "{":
            if depth == 0:
                selector, body_start = css[selector_start:match.start()], match.end()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                if not selector.strip().startswith("@"):
                    rules.append((selector, css[body_start:match.start()]))
                selector_start = match.end()
    return rules


def _hidden_by_rules(tree) -> tuple[set[str], set[str]]:
    classes, ids = set(), set()
    for style in tree.iter("style"):
        for selectors, body in _css_rules(style.text or ""):
            if not _RULE_HIDES.search(body):
                continue
            for selector in selectors.split(","):
                if match := _SIMPLE_SELECTOR.match(selector):
                    (classes if match.group(1) == "." else ids).add(match.group(2))
    return classes, ids


def reader_tree(page: str, *, url: str) -> ReaderPage:
    if not page or not page.strip():
        raise BadInput(f"empty page: {url}")
    # a browser ignores </body> and </html> until the end of the file; lxml would stop reading there
    cleaned = _STRAY_END.sub("", _XML_DECL.sub("", page, count=1))
    try:
        tree = lxml_html.document_fromstring(cleaned)
    except (ValueError, etree.ParserError) as exc:
        raise BadInput(f"unparsable HTML at {url}: {exc}") from exc
    title_tag = " ".join((tree.findtext(".//title") or "").split())
    for form in tree.xpath("//form[.//input[@type='password']]"):
        form.drop_tree()  # a login box is never the article, and its prompts read like sentences
    classes, ids = _hidden_by_rules(tree)
    result = ReaderPage(tree=tree, title_tag=title_tag)
    for meta in tree.iter("meta"):
        content = (meta.get("content") or "").strip()
        for attr in ("name", "property", "itemprop", "http-equiv"):
            key = (meta.get(attr) or "").strip().lower()
            if key and content and key not in result.meta:
                result.meta[key] = content
    hidden = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        style = element.get("style")
        if (style and _HIDDEN_STYLE.search(style)) or element.get("hidden") is not None:
            hidden.append(element)
        elif ((classes and classes.intersection((element.get("class") or "").split()))
              or (ids and element.get("id") in ids)) and not (style and _SHOWN_STYLE.search(style)):
            # a stylesheet rule hides it, unless the element's own style shows it again
            hidden.append(element)
    for element in hidden:
        if element.getparent() is None:
            continue
        text = " ".join(element.text_content().split())
        if text:
            result.hidden_text.append(text)
        for link in element.iter("a"):
            result.hidden_links.append((" ".join(link.text_content().split()), link.get("href") or ""))
        element.drop_tree()  # keeps the tail: the text after a hidden element is visible
    etree.strip_elements(tree, *_JUNK, with_tail=False)
    etree.strip_tags(tree, etree.Comment, etree.ProcessingInstruction)
    return result


def text_len(element) -> int:
    return len(re.sub(r"\s+", "", element.text_content()))


def link_density(element) -> float:
    total = text_len(element)
    if not total:
        return 0.0
    linked = sum(text_len(a) for a in element.iter("a") if a.get("href") is not None)
    return min(1.0, linked / total)


def _container(element):
    """The element whose score a run of text feeds: its block, or the table of a small data cell."""
    while element is not None and element.tag not in BLOCK and element.tag not in ("td", "th"):
        element = element.getparent()
    if element is None:
        return None
    while element is not None and element.tag not in _CONTAINERS and element.tag not in ("td", "th"):
        element = element.getparent()
    if element is not None and element.tag in ("td", "th") and text_len(element) <= 100:
        table = next(element.iterancestors("table"), None)  # a data cell: the table is the unit
        return table if table is not None else element
    return element


def chrome_named(element) -> bool:
    """A box whose class or id names page chrome (share, comment, related, footer…), not content."""
    name = f"{element.get('class') or ''} {element.get('id') or ''}"
    return bool(name.strip()) and bool(_CHROME_NAME.search(name)) and not _CONTENT_NAME.search(name)


def content_block(tree):
    """(the element most likely to hold the article, its score) or (None, 0)."""
    body = tree.find("body")
    root = body if body is not None else tree
    in_link = {node for a in root.iter("a") if a.get("href") is not None for node in a.iter()}
    chrome = set()
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in ("body", "html"):
            continue
        if chrome_named(element):
            chrome.update(element.iter())
    scores: dict = {}
    for element in root.iter():
        if not isinstance(element.tag, str) or element in in_link or element in chrome:
            continue
        runs = [element.text] + [child.tail for child in element]
        for run in runs:
            if not run:
                continue
            run = run.strip()
            if len(run) < 2:
                continue
            box = _container(element)
            if box is None or _FOOTER_RUN.search(run) or (len(run) < 40 and _STAMP.search(run)):
                # copyright and disclaimer notes are never the article, however wordy; a short run
                # with a time stamp is the metadata of an item in a list (replies, news, posts)
                continue
            # a run of prose counts by its sentence marks and length; a data-table cell is one fact
            words = len(_NOT_WORD.sub("", run))  # counters such as "298字 [4321/87]" are not prose
            weight = (words >= 10 or box.tag == "table") + len(_PUNCT.findall(run)) + min(words / 50, 3)
            scores[box] = scores.get(box, 0.0) + weight
            parent = box.getparent()
            if parent is not None:
                scores[parent] = scores.get(parent, 0.0) + weight / 2
    best, best_score = None, 0.0
    final: dict = {}
    for element, score in scores.items():
        score *= (1 - link_density(element)) ** 2  # lists of links (menus, reply trees) lose fast
        final[element] = score
        if score > best_score:
            best, best_score = element, score
    # an article cut into sibling boxes (one per paragraph or section): their parent holds it all
    parent = best.getparent() if best is not None else None
    if parent is not None and parent.tag not in ("body", "html"):
        siblings = sum(final.get(child, 0.0) for child in parent if child is not best)
        if siblings >= best_score / 2 and link_density(parent) < 0.3:
            best = parent
    return best, best_score


def post_box_named(element) -> bool:
    """Whether the class or id of `element` names a post's message box."""
    return element.tag not in ("a", "span", "img") and bool(
        _POST_BOX.search(f"{element.get('class') or ''} {element.get('id') or ''}"))


def thread_posts(tree) -> list:
    """The message boxes of a forum thread's posts in page order, [] when the page is not a thread.

    A thread repeats one kind of box per post (same tag, same class, ids that differ only by the
    post number) and numbers its posts (ids, or 楼/floor marks on the page); of boxes nested in one
    another (a post's frame and its message) the innermost kind is the message."""
    body = tree.find("body")
    root = body if body is not None else tree
    kinds: dict[tuple, list] = {}
    for element in root.xpath(".//*[@class or @id]"):
        if post_box_named(element):
            # one kind: the same numbered id (postmessage_#), else the same post-box class names,
            # whatever else a box's class says (the first floor is often marked as such)
            ident = element.get("id") or ""
            if re.search(r"\d", ident) and _POST_BOX.search(ident):
                key = (element.tag, re.sub(r"\d+", "#", ident))
            else:
                key = (element.tag, " ".join(sorted(name for name in (element.get("class") or "").split()
                                                    if _POST_BOX.search(name))))
            kinds.setdefault(key, []).append(element)
    kinds = {key: boxes for key, boxes in kinds.items() if len(boxes) >= 2}
    numbered = {key for key in kinds if "#" in key[1]}
    if not kinds or (not numbered and not _FLOOR.search(root.text_content())):
        return []
    boxes_of = {box: key for key, boxes in kinds.items() for box in boxes}
    inner = [key for key, boxes in kinds.items()
             if not any(boxes_of.get(node, key) != key for box in boxes for node in box.iterdescendants())]
    # the innermost kind; of several, the numbered one holding the most text
    best = max(inner or kinds, key=lambda key: (key in numbered, sum(text_len(box) for box in kinds[key])))
    return kinds[best]


def render_lines(element, *, skip_link_boxes: bool = True) -> list[str]:
    """`element` as text lines; boxes mostly made of links (related lists, menus) are left out."""
    parts: list[str] = []

    def walk(node, top: bool, in_cell: bool) -> None:
        if not isinstance(node.tag, str):
            return
        tag = node.tag
        if tag == "br":
            parts.append(" " if in_cell else "\n")
            return
        block = tag in BLOCK
        if block and not top and skip_link_boxes and tag in ("div", "ul", "ol", "table", "dl", "section", "aside",
                                                              "nav", "p", "li", "td", "span", "font"):
            if link_density(node) > 0.5 or chrome_named(node):
                return
        if tag in ("td", "th"):
            parts.append(" ")
            # a data cell is one value on its row; a layout cell holding the article keeps its lines
            in_cell = in_cell or text_len(node) <= 100
        elif block:
            parts.append(" " if in_cell and tag != "tr" else "\n")
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child, False, in_cell)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append(" " if in_cell and tag != "tr" else "\n")

    walk(element, True, False)
    text = "".join(parts).replace("\r", "\n")
    lines = [" ".join(line.replace("\u3000", " ").replace("\xa0", " ").split()) for line in text.split("\n")]
    return [line for line in lines if line]


def emphasised_texts(element) -> set[str]:
    """Squeezed texts of headings, bold and centred blocks under `element` (headline lines look so)."""
    found = set()
    for node in element.iter():
        if not isinstance(node.tag, str):
            continue
        style = (node.get("style") or "").replace(" ", "").lower()
        if node.tag in HEADINGS or node.tag in ("strong", "b", "center") or "text-align:center" in style \
                or (node.get("align") or "").lower() == "center" or "font-weight:bold" in style:
            text = re.sub(r"\s+", "", node.text_content())
            if text:
                found.add(text)
    return found
