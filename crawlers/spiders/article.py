"""Articles on government and news sites: a column (list) page → its article pages.

Config (all optional): ``links`` (CSS of the article links on a list page, default every link),
``allow`` (regex an article URL must match, e.g. ``/t\\d{8}_\\d+\\.html$``), ``next`` (CSS of the
next-page link), ``same_host`` (default true), ``single`` (the URL is itself one article),
``content_xpath`` / ``title_xpath`` (when the extractor needs help on a site), ``stop_after_known``
(known articles in a row after which pagination stops; the whole list is walked again when the
previous crawl did not finish). Articles do not change once published: known ones are skipped
without a request.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

import scrapy
from pydantic import Field

from crawlers.parsers.article import parse_article, parse_text_page
from crawlers.spiders.base import ListSpider
from crawlers.urls import canonical_url
from yuqing.errors import BadInput, ConfigError
from yuqing.sources import OpenOptions

logger = logging.getLogger(__name__)


class ArticleOptions(OpenOptions):
    links: str = "a::attr(href)"
    allow: str | None = None
    next: str | None = None
    same_host: bool = True
    single: bool = False
    content_xpath: str | None = None
    title_xpath: str | None = None
    stop_after_known: int = Field(default=10, ge=1)


class ArticleSpider(ListSpider, kind="article", options=ArticleOptions):
    name = "article"

    def prepare(self) -> None:
        try:
            self.allow = re.compile(self.config.allow) if self.config.allow else None
        except re.error as exc:
            raise ConfigError(f"source {self.source['name']}: allow: {exc}") from exc

    def first_requests(self):
        callback = self.parse_article if self.config.single else self.parse_list
        self.list_pages = 1
        # the start page is fetched on every crawl; in distributed mode the shared scheduler still
        # fetches it once per round
        yield scrapy.Request(self.source["url"], callback=callback, errback=self.on_error, dont_filter=True,
                             meta={"yuqing_start": True}, priority=10)

    def article_links(self, response) -> list[str]:
        host = urlsplit(response.url).hostname
        found: list[str] = []
        for href in response.css(self.config.links).getall():
            href = href.strip()
            if not href or href.startswith(("javascript:", "mailto:", "#")):
                continue
            url = response.urljoin(href)
            if self.config.same_host and urlsplit(url).hostname != host:
                continue
            if self.allow is not None and not self.allow.search(url):
                continue
            if url not in found:
                found.append(url)
        return found

    def parse_list(self, response):
        stats = self.crawler.stats
        stats.inc_value("yuqing/list_pages")
        links = self.article_links(response)
        if not links:
            stats.inc_value("yuqing/dropped/empty_list_page")
            logger.warning("list page %s has no article links (selectors out of date?)", response.url)
            return
        known = self.known(links)
        for url in links:
            if canonical_url(url) in known:
                self.known_streak += 1
                stats.inc_value("yuqing/skipped_known")
                continue
            self.known_streak = 0
            if url in self.requested:
                continue
            self.requested.add(url)
            # through the dupefilter, except in a full pass after an interrupted crawl: an article
            # popped from the JOBDIR queue but never finished is in the seen-set and must be fetched
            yield scrapy.Request(url, callback=self.parse_article, errback=self.on_error, dont_filter=self.full_pass)
        if not self.full_pass and self.known_streak >= self.config.stop_after_known:
            stats.set_value("yuqing/stopped_at_known", response.url)
            return
        if self.config.next and self.list_pages < self.config.max_pages:
            href = response.css(self.config.next).get()
            if href:
                self.list_pages += 1
                yield scrapy.Request(response.urljoin(href.strip()), callback=self.parse_list,
                                     errback=self.on_error, priority=10, dont_filter=self.full_pass)

    def parse_article(self, response):
        stats = self.crawler.stats
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        try:
            if "text/plain" in content_type:
                article = parse_text_page(response.text, url=response.url)
            elif hasattr(response, "text"):
                article = parse_article(response.text, url=response.url, config={
                    "content_xpath": self.config.content_xpath, "title_xpath": self.config.title_xpath})
            else:
                raise BadInput(f"{response.url}: not a text page ({content_type or 'no content type'})")
        except BadInput as exc:
            stats.inc_value("yuqing/dropped/no_article")
            logger.warning("dropped %s: %s", response.url, exc)
            return
        if article.furniture_removed:
            stats.inc_value("yuqing/furniture_lines_removed", len(article.furniture_removed))
        if article.spam:
            stats.inc_value("yuqing/spam_marked")
            logger.warning("%s carries injected spam: %s", response.url, article.spam_reason)
        yield self.new_item(
            url=response.url, title=article.title, text=article.text, author=article.author,
            published_at=article.published_at, spam=article.spam or None,
            spam_reason=(article.spam_reason or "")[:200] or None,
        )
