"""The crawl stage: Scrapy spiders over the sources of config/sources.yaml into `Post` rows.

Layout
    runner.py      crawl(names) → [CrawlResult]: one child process per source (run_source.py), health
                   recorded with repo.record_source_run, alerts via health.py
    run_source.py  `python -m crawlers.run_source NAME`: AsyncCrawlerProcess for one source
    registry.py    kind → spider module (SPIDER_MODULES); the spider is the class whose
                   ``source_kind`` equals the kind
    settings.py    polite Scrapy defaults + build_settings(source) (per-source limits, JOBDIR)
    spiders/       navigation only (base.SourceSpider, board, rss, …)
    parsers/       extraction only: page objects tested on saved pages (tests/crawlers/pages/)
    pipelines.py   Validate → Clean → Dedup → Store, each drop a DropItem("<reason>: <detail>")
    store.py       the crawl's DB access (known posts, dedup indexes, batched writes)
    fingerprint.py content hash and SimHash (character bigrams) of a post
    encoding.py    UTF-8 / GB18030 / Big5 decoding when undeclared or wrongly declared
    middlewares.py retries with exponential back-off (Retry-After honoured)
    logformatter.py  log lines name URL and reason, never dump an item
    state.py       finished/interrupted marker in JOBDIR: an interrupted crawl is followed by a full pass
    health.py      failing / silent sources → outbox alerts
    testsites/     local sites on 127.0.0.1 (base.py: the server they share): board.py the demo's
                   问政 board (real messages, released over time), govsite.py and weiboapi.py the
                   demo's portal and Weibo-shaped API, trouble.py encodings and bad input

The item: every spider yields `crawlers.items.PostItem` (a scrapy.Item; unknown keys fail):
    source (str, required)  url (str, required)  external_id  title  text (as published)
    author (raw; hashed by CleanPipeline, never stored)  published_at (aware datetime or None,
    use parsers.fields.parse_datetime)  likes reposts comments views (int)  reply_text reply_at
    signature (a "has it changed" token)  spam spam_reason (a spider may flag, e.g. site watch)
    refresh (True: a known post may be updated — engagement, reply — instead of dropped; a
    PostMetric row records each engagement change, the time series for json_api re-crawls).
The pipelines add canonical_url, text_simplified, author_hash, content_hash, simhash,
duplicate_of_key (root post: id, or URL while its batch is unwritten) and update_of_id.

Requests: the first request of a crawl uses dont_filter=True; follow-up requests go through the
dupefilter (so a shared scrapy-redis dupefilter works), except in a full pass (``self.full_pass``)
and for refreshing a known post, where they must be fetched whatever the seen-set says.

A new source kind plugs in like this:
    1. `yuqing/sources.py` already accepts the kinds rss, board, article, json_api, site_watch;
       kinds without an options model there (article, json_api, site_watch) get their `config:`
       as a free dict plus the common limits (max_pages, max_items, depth_limit, concurrency,
       download_delay, obey_robots, silent_after_hours, max_failures). Give the spider an
       options model (a subclass of OpenOptions, ``options=`` in its class line) and it validates its own keys at start; further
       checks go in ``prepare`` and raise yuqing.errors.ConfigError (the run fails with that message).
    2. Write `crawlers/spiders/<module>.py` with a subclass of `crawlers.spiders.base.SourceSpider`
       (`ListSpider` for list → detail pages), ``class MySpider(SourceSpider, kind="<kind>")``, yielding the first
       requests from ``first_requests``; registry.SPIDER_MODULES maps article →
       crawlers.spiders.article, json_api → crawlers.spiders.weibo, site_watch →
       crawlers.spiders.sitewatch (others: `registry.register_kind`). In the spider use
       ``self.source`` (name, kind, url, owner_unit, config), ``self.options`` (the config dict),
       ``self.known(urls)`` (already stored posts, for incremental crawls), ``self.full_pass``
       (previous crawl interrupted: do not stop early), ``self.new_item(**fields)`` and
       ``errback=self.on_error`` (counts lost pages; ``meta={"yuqing_start": True}`` on the first
       request makes its failure the run's error).
    3. Extraction goes into `crawlers/parsers/<module>.py` (plain functions on a parsel Selector or
       bytes), tested on saved pages.
    4. Then `yuqing crawl NAME` runs it, with the same pipelines, politeness, JOBDIR and health.
"""
