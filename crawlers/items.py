"""The one item every spider yields (see crawlers/__init__.py for the contract)."""

from __future__ import annotations

import scrapy


class PostItem(scrapy.Item):
    # set by the spider (from a parser)
    source = scrapy.Field()          # source name (SourceSpec.name); required
    url = scrapy.Field()             # the post's own URL; required (canonicalised by CleanPipeline)
    external_id = scrapy.Field()     # the channel's id of the post (msg id, weibo mid), if any
    title = scrapy.Field()           # may be "" for micro-posts
    text = scrapy.Field()            # the body as published (traditional stays traditional)
    author = scrapy.Field()          # raw author name/id: hashed by CleanPipeline, never stored raw
    published_at = scrapy.Field()    # aware datetime (parsers.fields.parse_datetime) or None
    likes = scrapy.Field()
    reposts = scrapy.Field()
    comments = scrapy.Field()
    views = scrapy.Field()
    reply_text = scrapy.Field()      # the official reply when the channel shows one
    reply_at = scrapy.Field()
    signature = scrapy.Field()       # list-row change signature (board) or any "changed?" token
    spam = scrapy.Field()            # a spider may flag (site_watch: injected links); CleanPipeline adds its own
    spam_reason = scrapy.Field()
    refresh = scrapy.Field()         # True: a known post may be updated (engagement/reply), not dropped
    # set by the pipelines
    canonical_url = scrapy.Field()
    text_simplified = scrapy.Field()
    author_hash = scrapy.Field()
    content_hash = scrapy.Field()
    simhash = scrapy.Field()
    duplicate_of_key = scrapy.Field()  # DedupPipeline: the root post (id, or URL while still staged)
    update_of_id = scrapy.Field()    # DedupPipeline: the stored post this item updates
