"""Site watch: what is wrong with one of the district's own pages.

Three kinds of finding, each with a reason a person can act on:

* ``injection`` — links hidden from readers (display:none, visibility:hidden, off-screen
  positioning, text-indent, zero size, 0–2 px fonts, opacity 0, ``hidden``, a 1-pixel marquee),
  inline or through a ``<style>`` class/id rule, that point to other sites; and spam text or spam
  links (gambling, porn, SEO) anywhere on the page, visible or not (`nlp.normalize.detect_spam`);
* ``defacement`` — the title turned into hacker text, or the page changed drastically against the
  stored baseline fingerprint (SimHash of the visible text, title, size);
* ``dead`` — 4xx/5xx answers and DNS/connection/timeout errors.

Pure functions over a page: the spider fetches, the pipeline stores the finding as a Post.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from crawlers.parsers.fields import html_document, join_url
from nlp.normalize import detect_spam
from nlp.simhash import simhash, similarity

DEFAULT_MIN_SIMILARITY = 0.6

_HIDING_DECLARATIONS = (
    ("display:none", re.compile(r"display\s*:\s*none", re.I)),
    ("visibility:hidden", re.compile(r"visibility\s*:\s*hidden", re.I)),
    ("off-screen", re.compile(r"(?:left|top|right|margin-left|margin-top)\s*:\s*-\s*\d{3,}", re.I)),
    ("text-indent", re.compile(r"text-indent\s*:\s*-\s*\d{3,}", re.I)),
    ("tiny font", re.compile(r"font-size\s*:\s*(?:0*[0-2](?:\.\d+)?\s*(?:px|pt)|0(?:\.\d+)?\s*(?:em|rem)|0\s*(?:;|$))", re.I)),
    ("zero size", re.compile(r"(?:^|;|\s)(?:height|width)\s*:\s*[01](?:px)?\s*(?:;|$).*overflow\s*:\s*hidden|overflow\s*:\s*hidden.*(?:^|;|\s)(?:height|width)\s*:\s*[01](?:px)?\s*(?:;|$)", re.I | re.S)),
    ("opacity:0", re.compile(r"opacity\s*:\s*0(?:\.0+)?\s*(?:;|$)", re.I)),
)
_CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_SIMPLE_SELECTOR = re.compile(r"^\s*[a-z0-9]*(?:([.#])([\w-]+))\s*$", re.I)
_HACKER_TITLE = re.compile(
    r"hack(?:ed|er)?\s*by|hacked|hacker|pwn(?:ed)?|owned\s+by|defaced|was\s+here|黑客|被黑|入侵|骇客|駭客|黑帽|安全检测",
    re.I,
)
_SPAM_HOST = re.compile(
    r"casino|bet365|poker|porn|sex|xxx|sanji|bocai|baijiale|dubo|caipiao|liuhecai|pujing|fapiao|daikai|seo",
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


@dataclass
class PageReport:
    url: str
    title: str
    text: str
    simhash: str
    text_chars: int
    hidden_links: list[HiddenLink]
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
    for how, pattern in _HIDING_DECLARATIONS:
        if pattern.search(style):
            return how
    return None


def _element_hidden(element, classes: dict[str, str], ids: dict[str, str]) -> str | None:
    how = _hiding(element.get("style"))
    if how:
        return how
    if element.get("hidden") is not None:
        return "hidden attribute"
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


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:  # not a URL (a broken IPv6 bracket): no host to trust
        return ""


def _own(host: str, own_hosts: set[str]) -> bool:
    return not host or any(host == own or host.endswith("." + own) for own in own_hosts)


def _shingles(text: str) -> list[str]:
    compact = re.sub(r"\s+", "", text)
    return [compact[i:i + 2] for i in range(max(len(compact) - 1, 1))] if compact else []


def inspect_page(page: str, *, url: str, own_hosts: set[str] | None = None) -> PageReport:
    """Read one page of a watched site. `own_hosts`: the site's own host names (links there are fine)."""
    tree = html_document(page, url=url)
    own = {h.lower() for h in (own_hosts or set())} | {_host(url)}
    classes, ids = _hiding_rules(tree)

    hidden_links: list[HiddenLink] = []
    spam: list[tuple[str, str]] = []
    hosts: set[str] = set()
    visible_lines: list[str] = []

    def walk(element, hidden_how: str | None) -> None:
        if not isinstance(element.tag, str) or element.tag in ("script", "style", "noscript", "template"):
            return
        how = hidden_how or _element_hidden(element, classes, ids)
        if element.tag == "a" and element.get("href"):
            written = element.get("href").strip()
            href = join_url(url, written)
            # a link too broken to resolve is nobody's own site: hidden, it is still somebody's injection
            host = _host(href) if href else "(unreadable)"
            href = href or written
            text = " ".join(element.text_content().split())
            if href.startswith(("http://", "https://")):
                hosts.add(host)
            external = not _own(host, own) and href.startswith(("http://", "https://"))
            if how and external:
                hidden_links.append(HiddenLink(href=href, text=text, how=how))
            elif external and _SPAM_HOST.search(host):
                spam.append((f"{text} → {href}", f"link to a spam site ({host})"))
        if not how and element.text and element.text.strip():
            visible_lines.append(element.text.strip())
        for child in element:
            walk(child, how)
            if not how and child.tail and child.tail.strip():
                visible_lines.append(child.tail.strip())

    body = tree.find("body")
    walk(body if body is not None else tree, None)

    title = " ".join((tree.findtext(".//title") or "").split())
    all_lines = [title] + [
        line.strip() for piece in tree.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]")
        for line in str(piece).splitlines() if line.strip()
    ]
    seen = {entry for entry, _ in spam}
    for line in all_lines:
        is_spam, why = detect_spam(line)
        if is_spam and line not in seen:
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
        hosts = sorted({_host(link.href) for link in report.hidden_links})
        parts.append(f"{len(report.hidden_links)} 个隐藏链接 (hidden links to {', '.join(hosts)})")
        evidence += [f"{link.text or '(no text)'} → {link.href} [{link.how}]" for link in report.hidden_links]
    if report.spam:
        kinds = sorted({why.split(":", 1)[0] for _, why in report.spam})
        parts.append(f"{len(report.spam)} 处垃圾/违规内容 (spam: {', '.join(kinds)})")
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
