"""Message boards (问政 / 12345 portals): list pages, newest first, → detail pages.

Incremental: a row whose post is stored and whose list signature (likes, reply status) is
unchanged is skipped; after ``stop_after_known`` such rows in a row pagination stops — unless the
previous crawl did not finish, then every list page up to ``max_pages`` is walked. A changed row
re-fetches its detail page and updates the stored post.
Relative times on list and detail pages (3 天前, 昨天 16:09) are read against the crawl time in
the source's ``timezone`` (default: the product's, Asia/Shanghai).
"""

from __future__ import annotations

import logging

import scrapy

from crawlers.parsers.board import parse_detail, parse_list
from crawlers.spiders.base import ListSpider
from crawlers.urls import canonical_url
from yuqing.clock import now

logger = logging.getLogger(__name__)


class BoardSpider(ListSpider, kind="board"):
    name = "board"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.visited_lists: set[str] = set()

    def first_requests(self):
        yield self.list_request(self.source["url"], start=True)

    def list_request(self, url: str, start: bool = False) -> scrapy.Request:
        # the first page is always fetched; later pages go through the dupefilter (shared between
        # distributed crawlers) except in a full pass after an interrupted crawl (see crawlers/state.py)
        self.visited_lists.add(canonical_url(url))
        self.list_pages += 1
        return scrapy.Request(url, callback=self.parse_list, errback=self.on_error, dont_filter=start or self.full_pass,
                              meta={"yuqing_start": start}, priority=10)

    def parse_list(self, response):
        page = parse_list(response.selector, response.url, self.options["list"], now=now(),
                          tz=self.options.get("timezone"))
        stats = self.crawler.stats
        stats.inc_value("yuqing/list_pages")
        if not page.rows:
            stats.inc_value("yuqing/dropped/empty_list_page")
            logger.warning("list page %s has no rows (selectors out of date?)", response.url)
            return
        known = self.known([row.url for row in page.rows])
        stop_after = int(self.options.get("stop_after_known", 20))
        for row in page.rows:
            have = known.get(canonical_url(row.url))
            unchanged = have is not None and (row.signature is None or row.signature == have[1])
            if unchanged:
                self.known_streak += 1
                stats.inc_value("yuqing/skipped_known")
                continue
            self.known_streak = 0
            if row.url in self.requested:
                continue
            self.requested.add(row.url)
            yield scrapy.Request(
                row.url, callback=self.parse_detail, errback=self.on_error,
                dont_filter=self.full_pass or have is not None,  # a changed post must be fetched again
                cb_kwargs={"row": row, "refresh": have is not None},
            )
        if self.known_streak >= stop_after and not self.full_pass:
            logger.info("%s: %d known posts in a row, stopping at %s", self.name, self.known_streak, response.url)
            return
        if not page.next_url:
            return
        if canonical_url(page.next_url) in self.visited_lists:
            stats.inc_value("yuqing/dropped/pagination_loop")
            logger.warning("%s: next page %s was already visited (pagination loop), stopping", self.name, page.next_url)
            return
        if self.list_pages >= int(self.options.get("max_pages", 50)):
            stats.inc_value("yuqing/dropped/max_pages")
            logger.warning("%s: max_pages=%s reached at %s", self.name, self.options.get("max_pages"), response.url)
            return
        yield self.list_request(page.next_url)

    def parse_detail(self, response, row, refresh: bool):
        fields = parse_detail(response.selector, self.options["detail"], now=now(), tz=self.options.get("timezone"))
        yield self.new_item(
            url=response.url, external_id=fields["external_id"] or row.external_id,
            title=fields["title"] or row.title, text=fields["text"], author=fields["author"],
            published_at=fields["published_at"] or row.posted, likes=fields["likes"], reposts=fields["reposts"],
            comments=fields["comments"], views=fields["views"], reply_text=fields["reply_text"],
            reply_at=fields["reply_at"], signature=row.signature, refresh=refresh,
        )
