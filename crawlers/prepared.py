"""A Scrapy crawler built ahead of its crawl, for the long-lived crawl worker (crawlers/worker.py).

Scrapy's ``Crawler.crawl_async`` builds the spider, then every component the settings name (stats,
log formatter, fingerprinter, extensions), then the engine (downloader and its middlewares, the
spider middlewares, the item pipelines), and only then opens the spider. Built at the start of a
pass, that is the largest part of a source's fixed cost, paid by every source on every pass.
``PreparedCrawler.prepare()`` does those steps while the worker is idle between passes; its
``crawl_async`` then opens the spider and runs it, exactly as Scrapy's does from that point on.

Nothing that reads or writes the crawl's persistent state happens in ``prepare``, except what
``CrawlStateExtension`` does when it is built (it reads the state the last crawl left, and may
clear a spent seen-set or a stale queue): the worker uses a prepared crawler only if that state is
still the same when the pass starts (``still_valid``), so a crawl that ran meanwhile elsewhere is
never missed. The scheduler (JOBDIR queue, seen-set, Redis frontier) and the store's database
session are built when the spider opens, in the pass, as before.

Mirrors Scrapy 2.19's ``Crawler.crawl_async``: it uses the same private steps, in the same order.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider

from crawlers.state import read_state


class PreparedCrawler(Crawler):
    prepared = False

    def prepare(self) -> None:
        """Build the spider, the components and the engine now (the first part of crawl_async)."""
        self.spider = self._create_spider()
        self._apply_settings()
        self.engine = self._create_engine()
        self.prepared = True

    def still_valid(self) -> bool:
        """Not prepared (it has read nothing yet), or the crawl state it read when it was prepared is
        still the state on disk."""
        return not self.prepared or read_state(self.settings.get("JOBDIR")) == getattr(
            self, "yuqing_previous_state", None)

    async def crawl_async(self, *args: Any, **kwargs: Any) -> None:
        if not self.prepared:
            await super().crawl_async(*args, **kwargs)
            return
        if self.crawling or self._started:
            raise RuntimeError("Cannot run Crawler.crawl_async() more than once on the same instance.")
        self.crawling = self._started = True
        try:
            self._update_root_log_handler()
            try:
                await self.engine.open_spider_async()
            except CloseSpider as exc:
                await self.engine.close_async(reason=exc.reason)
            else:
                await self.engine.start_async()
        except Exception:
            self.crawling = False
            await self.engine.close_async()
            raise
