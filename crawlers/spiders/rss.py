"""RSS 2.0 / Atom feeds: each entry is a post (text from the feed, or from the entry's page with
``follow: true`` and ``detail`` selectors). Known entries are skipped without a request."""

from __future__ import annotations

import logging

import scrapy

from crawlers.parsers.board import parse_detail
from crawlers.parsers.feed import parse_feed
from crawlers.spiders.base import SourceSpider
from crawlers.urls import canonical_url
from yuqing.errors import BadInput

logger = logging.getLogger(__name__)


class RssSpider(SourceSpider, kind="rss"):
    name = "rss"

    def first_requests(self):
        yield scrapy.Request(self.source["url"], callback=self.parse_feed, errback=self.on_error,
                             dont_filter=True, meta={"yuqing_start": True})

    def parse_feed(self, response):
        try:
            entries = parse_feed(response.body)
        except BadInput as exc:
            self.crawler.stats.set_value("yuqing/start_error", f"{response.url}: {exc}")
            logger.error("%s: %s", response.url, exc)
            return
        self.crawler.stats.inc_value("yuqing/feed_entries", len(entries))
        links = [e.link for e in entries if e.link]
        known = self.known([response.urljoin(link) for link in links])
        for entry in entries:
            if not entry.link:
                self.crawler.stats.inc_value("yuqing/dropped/no_link")
                logger.warning("%s: feed entry %r has no link, dropped", response.url, entry.title[:40])
                continue
            url = response.urljoin(entry.link)
            if canonical_url(url) in known:
                self.crawler.stats.inc_value("yuqing/skipped_known")
                continue
            if self.options.get("follow") and self.options.get("detail"):
                yield scrapy.Request(url, callback=self.parse_entry_page, errback=self.on_error,
                                     cb_kwargs={"entry": entry})
                continue
            yield self.new_item(url=url, external_id=entry.guid, title=entry.title, text=entry.text,
                                author=entry.author, published_at=entry.published_at)

    def parse_entry_page(self, response, entry):
        fields = parse_detail(response.selector, self.options["detail"])
        yield self.new_item(
            url=response.url, external_id=fields["external_id"] or entry.guid, title=fields["title"] or entry.title,
            text=fields["text"] or entry.text, author=fields["author"] or entry.author,
            published_at=fields["published_at"] or entry.published_at, likes=fields["likes"],
            reply_text=fields["reply_text"], reply_at=fields["reply_at"],
        )
