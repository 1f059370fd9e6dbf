"""Site watch (kind ``site_watch``): the district's own pages, checked for injected spam and hidden
links, defacement and death. Every finding becomes a Post — and so, through the normal analysis,
an issue — naming the site's owner unit (Source.owner_unit) and the reason.

Config: ``pages`` (more URLs or paths of the same site to watch besides the source URL),
``own_hosts`` (other host names that belong to the site), ``min_similarity`` (below this SimHash
similarity to the stored baseline a page counts as defaced; default 0.6).
The baseline fingerprint of each page is kept in the ``site_baseline`` table: set at the first
clean check, rolled forward after every clean check (so normal news updates never accumulate
into an alarm) and frozen while the page is defaced.
A finding's URL is the page URL with ``yuqing_watch=<kind>-<key>``: the same problem seen again is
the same post (dropped as known), a new problem is a new post.
"""

from __future__ import annotations

import logging
import re

import scrapy
from pydantic import Field
from scrapy.spidermiddlewares.httperror import HttpError
from w3lib.url import add_or_replace_parameter

from crawlers.parsers.injection import ADVERT
from crawlers.parsers.sitewatch import (
    Finding,
    dead_finding,
    defacement_finding,
    injection_findings,
    inspect_page,
)
from crawlers.spiders.base import SourceSpider
from nlp.normalize import SPAM_PATTERNS, detect_spam, to_simplified
from yuqing import repo
from yuqing.clock import now
from yuqing.db import session_scope
from yuqing.errors import BadInput
from yuqing.sources import OpenOptions

logger = logging.getLogger(__name__)

KIND_TITLES = {"injection": "页面被植入垃圾信息或隐藏链接", "defacement": "页面疑似被篡改", "dead": "页面无法访问"}


class SiteWatchOptions(OpenOptions):
    pages: list[str] = Field(default_factory=list)
    own_hosts: list[str] = Field(default_factory=list)
    min_similarity: float = Field(default=0.6, gt=0, le=1)


def mask_spam(text: str) -> str:
    """The finding quotes what was injected without repeating it as spam (analysis would otherwise
    mark the finding itself as spam and never raise the issue): 日本三级电影 → 日*****."""
    simplified = to_simplified(text)
    spans = []
    for pattern in (*(pattern for _, pattern in SPAM_PATTERNS), ADVERT):
        spans += [match.span() for match in pattern.finditer(simplified)]
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        for index in range(start + 1, min(end, len(chars))):
            chars[index] = "*"
    return "".join(chars)


def _defang(url: str) -> str:
    return re.sub(r"\.", "[.]", url)


class SiteWatchSpider(SourceSpider, kind="site_watch", options=SiteWatchOptions):
    name = "site_watch"

    def first_requests(self):
        self.owner_code = self.source.get("owner_unit")
        with session_scope() as session:
            names = repo.unit_names(session)
            self.source_id = repo.get_source(session, name=self.source["name"]).id
        self.owner_name = names.get(self.owner_code or "", self.owner_code or "（未指定主办单位）")
        urls = [self.source["url"]]
        for page in self.config.pages:
            url = page if page.startswith(("http://", "https://")) else self.source["url"].rstrip("/") + "/" + page.lstrip("/")
            if url not in urls:
                urls.append(url)
        for index, url in enumerate(urls):
            yield scrapy.Request(url, callback=self.check_page, errback=self.page_failed, dont_filter=True,
                                 meta={"handle_httpstatus_all": True, "yuqing_page": url, "yuqing_start": index == 0})

    def check_page(self, response):
        stats = self.crawler.stats
        page_url = response.meta["yuqing_page"]
        stats.inc_value("yuqing/pages_checked")
        if response.status >= 400:
            yield self.finding_item(page_url, dead_finding(page_url, status=response.status),
                                    site_title=self.known_title(page_url))
            return
        try:
            report = inspect_page(response.text, url=page_url, own_hosts=set(self.config.own_hosts))
        except (BadInput, AttributeError) as exc:
            yield self.finding_item(page_url, dead_finding(page_url, error=f"unreadable page: {exc}"), site_title=None)
            return
        findings = injection_findings(report)
        with session_scope() as session:
            baseline = repo.site_baseline(session, source_id=self.source_id, url=page_url)
            defaced = defacement_finding(report, baseline.fingerprint if baseline else None,
                                         min_similarity=self.config.min_similarity)
            if defaced is None:
                repo.save_site_baseline(session, source_id=self.source_id, url=page_url,
                                        fingerprint=report.fingerprint())
            else:
                findings.append(defaced)
        site_title = (baseline.fingerprint.get("title") if baseline else None) or report.title
        for finding in findings:
            yield self.finding_item(page_url, finding, site_title=site_title)

    def page_failed(self, failure):
        page_url = failure.request.meta.get("yuqing_page", failure.request.url)
        if failure.check(HttpError):  # only when handle_httpstatus_all was dropped by a middleware
            finding = dead_finding(page_url, status=failure.value.response.status)
        else:
            finding = dead_finding(page_url, error=f"{failure.type.__name__}: {failure.getErrorMessage()}"[:200])
        self.crawler.stats.inc_value("yuqing/pages_checked")
        yield self.finding_item(page_url, finding, site_title=self.known_title(page_url))

    def known_title(self, page_url: str) -> str | None:
        """The page's title when it was last seen clean (a dead page has none of its own)."""
        with session_scope() as session:
            baseline = repo.site_baseline(session, source_id=self.source_id, url=page_url)
            return (baseline.fingerprint or {}).get("title") if baseline else None

    def finding_item(self, page_url: str, finding: Finding, *, site_title: str | None):
        self.crawler.stats.inc_value(f"yuqing/findings/{finding.kind}")
        logger.warning("site watch %s: %s", page_url, finding.reason)
        where = site_title or page_url
        title = mask_spam(f"网站监测：{where}{KIND_TITLES[finding.kind]}")
        # the owner comes first, so it is inside the issue summary that routing reads
        lines = [
            f"{self.owner_name}主办的网站{KIND_TITLES[finding.kind]}。",
            f"网站主办单位：{self.owner_name}" + (f"（{self.owner_code}）" if self.owner_code else ""),
            f"原因：{finding.reason}",
            f"页面：{page_url}",
            "证据：",
            *[f"- {_defang_links(line)}" for line in finding.evidence],
            "请主办单位立即核查处置，清除植入内容或恢复页面，并排查网站安全漏洞。",
        ]
        text = mask_spam("\n".join(lines))
        if detect_spam(text)[0]:  # belt and braces: never let the finding itself look like spam
            text = "\n".join(line for line in text.splitlines() if not detect_spam(line)[0])
        return self.new_item(
            url=add_or_replace_parameter(page_url, "yuqing_watch", f"{finding.kind}-{finding.key}"),
            external_id=f"{finding.kind}-{finding.key}", title=title, text=text, published_at=now(),
        )


def _defang_links(line: str) -> str:
    return re.sub(r"https?://\S+", lambda m: _defang(m.group(0)), line)
