"""Social-platform JSON in the shape of Weibo's mobile API (kind ``json_api``).

The source URL is a getIndex URL with its ``containerid`` (search ``100103type=1&q=…`` or a user
timeline ``107603<uid>``). Pages are followed by ``page`` (search) or ``since_id`` (timeline).

Incremental with a time series: new posts are stored; posts already stored but younger than
``refresh_hours`` are yielded again with ``refresh`` so their reposts/comments/likes are updated
and each change becomes a PostMetric row; pagination stops at the first page that holds nothing
new and nothing young enough to refresh (unless the previous crawl did not finish).
A pinned post (置顶) heads a user's timeline whatever its age: it is stored like any post, marked
``crawl_signature = "weibo:pinned"`` (there is no column for it) and never counts as a reason to read
the next page. A new long post (``isLongText``, cut at ``…全文``) is stored with its full text from
the API's ``/statuses/extend?id=ID``; when that fails the cut text is stored and the failure counted.
Config: ``site`` (where a post's detail page lives; default the API's own origin, m.weibo.cn for
the real platform), ``refresh_hours`` (default 72), ``max_pages``.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlsplit

import scrapy
from pydantic import Field
from w3lib.url import add_or_replace_parameter, url_query_parameter

from crawlers.parsers.weibo import WeiboPost, extend_url, parse_container, parse_extend
from crawlers.spiders.base import SourceSpider
from crawlers.urls import canonical_url
from yuqing.clock import now
from yuqing.errors import BadInput
from yuqing.sources import OpenOptions

logger = logging.getLogger(__name__)


class WeiboOptions(OpenOptions):
    site: str | None = None
    refresh_hours: float = Field(default=72, ge=0)


class WeiboSpider(SourceSpider, kind="json_api", options=WeiboOptions):
    name = "weibo"

    def first_requests(self):
        parts = urlsplit(self.source["url"])
        self.api = f"{parts.scheme}://{parts.netloc}"
        self.site = self.config.site or self.api
        self.pages = 1
        # API pages are read again on every crawl (their counts change): never remembered by a dupefilter
        yield scrapy.Request(self.source["url"], callback=self.parse_page, errback=self.on_error, dont_filter=True,
                             meta={"yuqing_start": True}, headers={"Accept": "application/json"})

    def parse_page(self, response):
        stats = self.crawler.stats
        moment = now()
        try:
            page = parse_container(response.body, now=moment, site=self.site, tz=self.config.timezone)
        except BadInput as exc:
            stats.inc_value("yuqing/dropped/bad_json")
            if response.meta.get("yuqing_start"):
                stats.set_value("yuqing/start_error", f"{response.url}: {exc}")
            logger.error("%s: %s", response.url, exc)
            self.incomplete = True
            return
        stats.inc_value("yuqing/api_pages")
        for reason in page.dropped:
            stats.inc_value("yuqing/dropped/bad_card")
            logger.warning("%s: card dropped: %s", response.url, reason)
        known = self.known([post.url for post in page.posts])
        fresh_after = moment - timedelta(hours=self.config.refresh_hours)
        worth_going_on = False
        for post in page.posts:
            is_known = canonical_url(post.url) in known
            young = post.published_at is None or post.published_at >= fresh_after
            if post.pinned:
                stats.inc_value("yuqing/pinned")
            if is_known and not young:
                stats.inc_value("yuqing/skipped_known")
                continue
            # a pinned post is first on every page 1 whatever its age: never news that the next page is worth reading
            worth_going_on = worth_going_on or not post.pinned
            if is_known:
                stats.inc_value("yuqing/refreshed")
            elif post.is_long_text:
                yield scrapy.Request(extend_url(post.id, self.api), callback=self.long_text, errback=self.long_text_failed,
                                     dont_filter=True, headers={"Accept": "application/json"}, cb_kwargs={"post": post})
                continue
            yield self.item(post)
        if not worth_going_on and not self.full_pass:
            stats.set_value("yuqing/stopped_at_known", response.url)
            return
        if self.pages >= self.config.max_pages:
            return
        next_url = None
        if page.since_id:
            next_url = add_or_replace_parameter(response.url, "since_id", page.since_id)
        elif page.next_page and page.next_page != int(url_query_parameter(response.url, "page", "1") or 1):
            next_url = add_or_replace_parameter(response.url, "page", str(page.next_page))
        if next_url:
            self.pages += 1
            yield scrapy.Request(next_url, callback=self.parse_page, errback=self.on_error, dont_filter=True,
                                 headers={"Accept": "application/json"})

    def item(self, post: WeiboPost, text: str | None = None):
        return self.new_item(
            url=post.url, external_id=post.id, title="", text=text or post.text, author=post.author_id or post.author,
            published_at=post.published_at, likes=post.likes, reposts=post.reposts, comments=post.comments,
            signature="weibo:pinned" if post.pinned else None, refresh=True,
        )

    def long_text(self, response, post: WeiboPost):
        try:
            full = parse_extend(response.body)
        except BadInput as exc:
            self.crawler.stats.inc_value("yuqing/dropped/long_text")
            logger.warning("%s: %s; stored cut at 全文", response.url, exc)
            yield self.item(post)
            return
        self.crawler.stats.inc_value("yuqing/long_texts")
        # the full text replaces the post's own (cut) words; a repost's original stays after them
        yield self.item(post, full + post.text[len(post.own_text):])

    def long_text_failed(self, failure):
        post = failure.request.cb_kwargs["post"]
        self.crawler.stats.inc_value("yuqing/dropped/long_text")
        logger.warning("%s: %s; stored cut at 全文", failure.request.url, failure.getErrorMessage()[:200])
        yield self.item(post)
