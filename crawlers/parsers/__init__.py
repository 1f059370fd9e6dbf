"""Parsers / page objects: bytes or a response in, plain dicts out. No Scrapy engine, no database,
so each is tested on saved pages (tests/crawlers/pages/)."""
