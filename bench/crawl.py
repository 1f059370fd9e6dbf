"""Crawl throughput: our full crawl (parse + pipelines + store) ÷ a bare Scrapy spider that only
yields each page's URL, both over the same demo site pages in the same run.

    .venv/bin/python bench/crawl.py [--rounds 2] [--concurrency 16]

The demo site (all 597 messages released, 30 list pages + 597 detail pages) runs in its own
process so it does not share the GIL with the crawlers. Both spiders use the same Scrapy settings
(politeness off for the measurement: no delay, no AutoThrottle, robots.txt still fetched); the bare
spider has no item pipelines and no database. Rounds alternate bare/full; each full round starts on
a fresh SQLite database, so every page goes through the whole store path. Prints pages/s of each
and the ratio (aim ≥ 0.8).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SITE_SCRIPT = """
import sys, time
from crawlers.testsites.board import start_demo_site
site = start_demo_site("127.0.0.1", int(sys.argv[1]), initial=100000, release_every=0)
print(site.url, flush=True)
while True:
    time.sleep(3600)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_site() -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", SITE_SCRIPT, str(port)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    url = process.stdout.readline().strip()
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/robots.txt", timeout=2).read()
            break
        except OSError:
            time.sleep(0.1)
    return process, url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--only", choices=["bare", "full"], help="run one kind only (for profiling)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="yuqing-bench-crawl-"))
    os.environ["YUQING_DATA_DIR"] = str(workdir / "round-0")
    os.environ["YUQING_PROFILE"] = "demo"
    site_process, site_url = start_site()
    try:
        run(args, site_url, workdir)
    finally:
        site_process.terminate()
        site_process.wait(timeout=10)


def run(args, site_url: str, workdir: Path) -> None:
    from scrapy import Request, Spider
    from scrapy.crawler import AsyncCrawlerRunner
    from scrapy.utils.defer import deferred_f_from_coro_f
    from scrapy.utils.log import configure_logging
    from scrapy.utils.reactor import install_reactor

    from crawlers.registry import spider_for
    from crawlers.settings import build_settings
    from yuqing.settings import get_settings, reset_settings_cache
    from yuqing.sources import load_sources

    specs, _ = load_sources(demo_url=site_url)
    spec = next(s for s in specs if s.name == "demo_board")
    source = {"name": spec.name, "kind": spec.kind, "url": spec.url, "owner_unit": None, "config": spec.config_dict()}
    settings = get_settings()
    overrides = {
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": args.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": args.concurrency, "LOG_LEVEL": "WARNING", "CLOSESPIDER_ITEMCOUNT": 0,
        "LOGSTATS_INTERVAL": 0,
    }
    list_css, detail_css, next_css = "li.msg-item", "a.msg-title::attr(href)", "a.next::attr(href)"

    class BareSpider(Spider):
        """Navigates the same pages, parses nothing, yields each page's URL."""

        name = "bare"

        async def start(self):
            yield Request(source["url"], callback=self.parse_list, dont_filter=True)

        def parse_list(self, response):
            yield {"url": response.url}
            for href in response.css(list_css).css(detail_css).getall():
                yield response.follow(href, callback=self.parse_detail, dont_filter=True)
            next_href = response.css(next_css).get()
            if next_href:
                yield response.follow(next_href, callback=self.parse_list, dont_filter=True)

        def parse_detail(self, response):
            yield {"url": response.url}

    full_spider = spider_for("board")
    configure_logging({"LOG_LEVEL": "WARNING", "LOG_INSTALL_ROOT_HANDLER": True})
    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    results: dict[str, list[float]] = {"bare": [], "full": []}
    stored: list[int] = []

    def fresh_database(round_no: int) -> None:
        from yuqing import repo
        from yuqing.db import dispose_engines, get_engine, session_scope
        from yuqing.migrate import upgrade

        os.environ["YUQING_DATA_DIR"] = str(workdir / f"round-{round_no}")
        reset_settings_cache()
        dispose_engines()
        upgrade(get_engine())
        with session_scope() as session:
            repo.upsert_source(session, name=spec.name, kind=spec.kind, url=spec.url, config=spec.config_dict())

    async def one(kind: str, round_no: int) -> None:
        if kind == "full":
            fresh_database(round_no)
        scrapy_settings = build_settings(source, user_agent=settings.crawl_user_agent,
                                         max_page_bytes=settings.crawl_max_page_bytes, jobdir=None, overrides=overrides)
        if kind == "bare":
            scrapy_settings["ITEM_PIPELINES"] = {}
            scrapy_settings["EXTENSIONS"] = {}
        runner = AsyncCrawlerRunner(scrapy_settings)
        crawler = runner.create_crawler(BareSpider if kind == "bare" else full_spider)
        started = time.perf_counter()
        await runner.crawl(crawler)
        seconds = time.perf_counter() - started
        pages = crawler.stats.get_value("response_received_count", 0)
        results[kind].append(pages / seconds)
        if kind == "full":
            stored.append(crawler.stats.get_value("yuqing/stored", 0))
        print(f"  round {round_no} {kind:4s}: {pages} pages in {seconds:.2f} s = {pages / seconds:.1f} pages/s", flush=True)

    @deferred_f_from_coro_f
    async def main_coro(reactor):
        for round_no in range(1, args.rounds + 1):
            for kind in ("bare", "full"):
                if args.only in (None, kind):
                    await one(kind, round_no)

    from twisted.internet.task import react

    print(f"demo site {site_url}, concurrency {args.concurrency}, {args.rounds} rounds")
    try:
        react(main_coro)
    except SystemExit as exit_:
        if exit_.code not in (0, None):
            raise
    finally:
        if results["bare"] and results["full"]:
            bare, full = statistics.median(results["bare"]), statistics.median(results["full"])
            print(f"bare spider (URL only):             {bare:.1f} pages/s (median)")
            print(f"full crawl (parse+pipelines+store): {full:.1f} pages/s (median), {stored} posts stored per round")
            print(f"ratio full/bare: {full / bare:.2f}  (aim ≥ 0.8)")


if __name__ == "__main__":
    main()
