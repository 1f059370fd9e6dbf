"""Crawl log lines without the items in them: a dropped or scraped item is named by its URL and
the reason, never dumped (items carry the raw author before CleanPipeline hashes it)."""

from __future__ import annotations

import logging

from scrapy.logformatter import LogFormatter


def _where(item) -> str:
    try:
        return item.get("canonical_url") or item.get("url") or "?"
    except AttributeError:
        return "?"


class QuietLogFormatter(LogFormatter):
    def dropped(self, item, exception, response, spider=None):
        return {"level": logging.WARNING, "msg": "Dropped: %(exception)s", "args": {"exception": exception}}

    def scraped(self, item, response, spider=None):
        return {"level": logging.DEBUG, "msg": "Scraped %(url)s", "args": {"url": _where(item)}}

    def item_error(self, item, exception, response, spider=None):
        return {"level": logging.ERROR, "msg": "Error processing %(url)s", "args": {"url": _where(item)}}
