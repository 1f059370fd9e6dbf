"""Site watch: what is wrong with one of the district's own pages.

Three kinds of finding, each with a reason a person can act on:

* ``injection`` — what black-hat SEO puts on a page: links or text that advertise gambling,
  porn, loans, private game servers or fake papers (in the anchor text, the title, meta tags,
  headings or the linked host's name; `crawlers.parsers.injection`), hidden or not; and links to
  other sites hidden the way only SEO hides them (off-screen, text-indent, 0–2 px fonts, zero size,
  a 1-pixel marquee), inline or through a ``<style>`` class/id rule. Content hidden the way page
  widgets hide it (display:none, visibility:hidden, ``hidden``, opacity 0: menus, dialogs, share
  bars, 适老 duplicates, CMS credits) is furniture unless it advertises one of those businesses.
  The site's own domain, government hosts (``*.gov.cn``) and the services every government site
  embeds (政府网站找错, conac badges) are trusted; hosts are judged as whole names;
* ``defacement`` — the title turned into hacker text, or the page changed drastically against the
  stored baseline fingerprint (SimHash of the visible text, title, size);
* ``dead`` — 4xx/5xx answers and DNS/connection/timeout errors.

Pure functions over a page: the spider fetches, the pipeline stores the finding as a Post.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field

from crawlers.parsers.fields import html_document, join_url
from crawlers.parsers.injection import CREDIT, host_of, registrable, spam_host, spam_words, trusted
from nlp.normalize import to_simplified
from nlp.simhash import simhash, similarity

DEFAULT_MIN_SIMILARITY = 0.6

# (how, pattern, seo): `seo` hiding is never used by a page's own widgets, only to hide links from readers
_HIDING_DECLARATIONS = (
    ("display:none", re.compile(r"display\s*:\s*none", re.I), False),
    ("visibility:hidden", re.compile(r"visibility\s*:\s*hidden", re.I), False),
    ("off-screen", re.compile(r"(?:left|top|right|margin-left|margin-top)\s*:\s*-\s*\d{3,}", re.I), True),
    ("text-indent", re.compile(r"text-indent\s*:\s*-\s*\d{3,}", re.I), True),
    ("tiny font", re.compile(r"font-size\s*:\s*(?:0*[0-2](?:\.\d+)?\s*(?:px|pt)|0(?:\.\d+)?\s*(?:em|rem)|0\s*(?:;|$))", re.I), True),
    ("zero size", re.compile(r"(?:^|;|\s)(?:height|width)\s*:\s*[01](?:px)?\s*(?:;|$).*overflow\s*:\s*hidden|overflow\s*:\s*hidden.*(?:^|;|\s)(?:height|width)\s*:\s*[01](?:px)?\s*(?:;|$)", re.I | re.S), True),
    ("opacity:0", re.compile(r"opacity\s*:\s*0(?:\.0+)?\s*(?:;|$)", re.I), False),
)
_SEO_HIDING = {how for how, _, seo in _HIDING_DECLARATIONS if seo} | {"1-pixel marquee"}
_CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_SIMPLE_SELECTOR = re.compile(r"^\s*[a-z0-9]*(?:([.#])([\w-]+))\s*$", re.I)
_HACKER_TITLE = re.compile(
    r"hack(?:ed|er)?\s*by|hacked|hacker|pwn(?:ed)?|owned\s+by|defaced|was\s+here|黑客|被黑|入侵|骇客|駭客|黑帽|安全检测",
    re.I,
)


@dataclass
class Finding:
    kind: str  # injection | defacement | dead
    reason: str  # one sentence for the responsible unit
    evidence: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Stable for the same problem, so a re-check does not report it twice."""
        raw = "\n".join([self.kind, *sorted(self.evidence)])
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


@dataclass
class HiddenLink:
    href: str
    text: str
    how: str
    why: str | None = None  # the spam it advertises; None for a link hidden the SEO way


@dataclass
class PageReport:
    url: str
    title: str
    text: str
    simhash: str
    text_chars: int
    hidden_links: list[HiddenLink]  # hidden links to other sites that are injections
    spam: list[tuple[str, str]]  # (line or link, reason)
    link_hosts: list[str]

    def fingerprint(self) -> dict:
        return {"title": self.title, "simhash": self.simhash, "text_chars": self.text_chars,
                "link_hosts": self.link_hosts}


def _hiding_rules(tree) -> tuple[dict[str, str], dict[str, str]]:
    """class → how, id → how, from the page's <style> blocks (simple .class / #id selectors)."""
    classes: dict[str, str] = {}
    ids: dict[str, str] = {}
    for style in tree.xpath("//style/text()"):
        style = re.sub(r"/\*.*?\*/", "", style, flags=re.S)
        for selectors, body in _CSS_RULE.findall(style):
            how = _hiding(body)
            if not how:
                continue
            for selector in selectors.split(","):
                match = _SIMPLE_SELECTOR.match(selector)
                if match:
                    (classes if match.group(1) == "." else ids)[match.group(2)] = how
    return classes, ids


def _hiding(style: str | None) -> str | None:
    if not style:
        return None
    for how, pattern, _ in _HIDING_DECLARATIONS:
        if pattern.search(style):
            return how
    return None


def _element_hidden(element, classes: dict[str, str], ids: dict[str, str]) -> str | None:
    how = _hiding(element.get("style"))
    if how:
        return how
    if element.get("hidden") is not None:
        return "hidden attribute"
    if element.tag == "noscript":
        return "noscript"
    for name in (element.get("class") or "").split():
        if name in classes:
            return f"{classes[name]} (class .{name})"
    if element.get("id") in ids:
        return f"{ids[element.get('id')]} (#{element.get('id')})"
    if element.tag == "marquee":
        for attr in ("height", "width"):
            value = (element.get(attr) or "").strip().rstrip("px")
            if value.isdigit() and int(value) <= 2:
                return "1-pixel marquee"
    return None


def _seo_hidden(how: str) -> bool:
    return how.split(" (", 1)[0] in _SEO_HIDING


def _own_names(tree, url: str, own_hosts: set[str] | None) -> set[str]:
    """The site's own names: the page's host and the configured ones, as registrable names. Only a
    page read without its URL (a saved file) says for itself where it lives (canonical, og:url,
    meta Url, else the name most of its links point to): a hacked page may claim the spam site's."""
    hosts = {h.lower().strip() for h in (own_hosts or set()) if h and h.strip()}
    page_host = host_of(url)
    if page_host:
        hosts.add(page_host)
    else:
        claimed = [host_of(str(v)) for v in tree.xpath(
            "//link[@rel='canonical']/@href | //meta[@property='og:url']/@content | //meta[@name='Url' or @name='url']/@content")]
        hosts |= {h for h in claimed if h}
        if not any(claimed):
            names = Counter(registrable(host_of(str(h))) for h in tree.xpath("//a/@href")
                            if str(h).startswith(("http://", "https://")))
            names.pop("", None)
            if names:
                hosts.add(names.most_common(1)[0][0])
    return hosts | {registrable(h) for h in hosts}


def _shingles(text: str) -> list[str]:
    compact = re.sub(r"\s+", "", text)
    return [compact[i:i + 2] for i in range(max(len(compact) - 1, 1))] if compact else []


def inspect_page(page: str, *, url: str, own_hosts: set[str] | None = None) -> PageReport:
    """Read one page of a watched site. `own_hosts`: the site's other host names (links there are fine)."""
    tree = html_document(page, url=url)
    own = _own_names(tree, url, own_hosts)
    classes, ids = _hiding_rules(tree)

    hidden_links: list[HiddenLink] = []
    spam: list[tuple[str, str]] = []
    hosts: set[str] = set()
    visible_lines: list[str] = []
    hidden_lines: list[str] = []

    def walk(element, hidden_how: str | None) -> None:
        if not isinstance(element.tag, str) or element.tag in ("script", "style", "template"):
            return
        how = hidden_how or _element_hidden(element, classes, ids)
        if element.tag == "a" and element.get("href"):
            check_link(element, how)
        lines = hidden_lines if how else visible_lines
        if element.text and element.text.strip():
            lines.append(element.text.strip())
        for child in element:
            walk(child, how)
            if child.tail and child.tail.strip():
                lines.append(child.tail.strip())

    def check_link(element, how: str | None) -> None:
        written = element.get("href").strip()
        href = join_url(url, written)
        # a link too broken to resolve is nobody's own site: hidden, it is still somebody's injection
        host = host_of(href) if href else "(unreadable)"
        href = href or written
        if not href.startswith(("http://", "https://")) and host != "(unreadable)":
            return
        if href.startswith(("http://", "https://")):
            hosts.add(host)
        if host != "(unreadable)" and trusted(host, own):
            return
        text = " ".join(element.text_content().split())
        named = " ".join(filter(None, [text, element.get("title")]))
        bad_host = spam_host(host)
        why = spam_words(named, hidden=bool(how)) or (f"link to a spam site ({host}: {bad_host})" if bad_host else None)
        if how and (why or (_seo_hidden(how) and not CREDIT.search(named))):
            hidden_links.append(HiddenLink(href=href, text=text, how=how, why=why))
        elif why and bad_host:
            spam.append((f"{text} → {href}", f"link to a spam site ({host})"))

    body = tree.find("body")
    walk(body if body is not None else tree, None)

    title = " ".join((tree.findtext(".//title") or "").split())
    shown = [title] + [" ".join(str(v).split()) for v in tree.xpath(
        "//meta[@name='keywords' or @name='Keywords' or @name='description' or @name='Description']/@content")]
    # one t2s conversion for the whole page: lines stay lines
    lines = to_simplified("\n".join(shown + visible_lines + hidden_lines)).splitlines()
    seen = {entry for entry, _ in spam}
    for line in lines:
        why = spam_words(line, simplified=True) if line.strip() else None
        if why and line not in seen:
            seen.add(line)
            spam.append((line, why))
    text = "\n".join(visible_lines)
    return PageReport(
        url=url, title=title, text=text, simhash=simhash(_shingles(title + "\n" + text)), text_chars=len(text),
        hidden_links=hidden_links, spam=spam, link_hosts=sorted(hosts),
    )


def injection_findings(report: PageReport) -> list[Finding]:
    """One finding for everything injected into the page (hidden links and spam), or none."""
    if not report.hidden_links and not report.spam:
        return []
    parts, evidence = [], []
    if report.hidden_links:
        hosts = sorted({host_of(link.href) or link.href for link in report.hidden_links})
        parts.append(f"{len(report.hidden_links)} 个隐藏链接 (hidden links to {', '.join(hosts)})")
        evidence += [f"{link.text or '(no text)'} → {link.href} [{link.how}" + (f"; {link.why}]" if link.why else "]")
                     for link in report.hidden_links]
    if report.spam or any(link.why for link in report.hidden_links):
        reasons = [why for _, why in report.spam] + [link.why for link in report.hidden_links if link.why]
        kinds = sorted({why.split(":", 1)[0] for why in reasons})
        parts.append(f"{len(reasons)} 处垃圾/违规内容 (spam: {', '.join(kinds)})")
        evidence += [f"{line} [{why}]" for line, why in report.spam]
    return [Finding(kind="injection", reason="页面被植入" + "，".join(parts), evidence=evidence)]


def defacement_finding(report: PageReport, baseline: dict | None, *,
                       min_similarity: float = DEFAULT_MIN_SIMILARITY) -> Finding | None:
    """Compare with the baseline fingerprint (None: the first check, only the title is judged)."""
    if _HACKER_TITLE.search(report.title) and not (baseline and _HACKER_TITLE.search(baseline.get("title") or "")):
        before = f" (was “{baseline['title']}”)" if baseline else ""
        return Finding(kind="defacement", reason=f"页面标题被篡改为 “{report.title}”{before}",
                       evidence=[f"title: {report.title}"])
    if not baseline:
        return None
    score = similarity(baseline.get("simhash"), report.simhash)
    old_chars = baseline.get("text_chars") or 0
    if score < min_similarity:
        return Finding(
            kind="defacement",
            reason=(f"页面内容与基线相比剧烈变化 (similarity {score:.2f} < {min_similarity:.2f}; "
                    f"{old_chars} → {report.text_chars} characters; title “{baseline.get('title')}” → “{report.title}”)"),
            evidence=[f"simhash {baseline.get('simhash')} → {report.simhash}", f"title: {report.title}"],
        )
    return None


def dead_finding(url: str, *, status: int | None = None, error: str | None = None) -> Finding:
    if status is not None:
        what = f"HTTP {status}"
        reason = f"页面无法访问: {url} 返回 {what}"
    else:
        what = error or "no answer"
        reason = f"页面无法访问: {url} ({what})"
    return Finding(kind="dead", reason=reason, evidence=[what])
