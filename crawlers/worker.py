"""A long-lived crawl worker: ``python -m crawlers.worker`` (started by crawlers.runner, not by hand).

One reactor for the life of the process, so a pass pays no interpreter start, no imports and no
reactor set-up: the worker reads one command per line on stdin (``{"sources": [NAME, …]}``), crawls
those sources side by side (one Scrapy crawler each, settings read from the database at that moment),
writes one summary line per source as it finishes and a ``done`` line at the end of the pass.

Safe to kill at any moment: each source's JOBDIR and the store's dedup let the next pass (in a new
worker) finish what was left, without doubles. Several workers on several machines share the Redis
frontier exactly as one-shot crawls do. An error inside one spider stays in that spider's stats.
Protocol lines start with MARK, so anything else a library prints on stdout is ignored by the parent;
the log goes to stderr.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time

MARK = "@@yuqing-crawl "


def _emit(payload: dict) -> None:
    sys.stdout.write(MARK + json.dumps(payload, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


async def crawl_pass(runner, names: list[str]) -> None:
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

    from crawlers.run_source import _scrapy_settings, summarise
    from yuqing.errors import YuqingError

    started = time.monotonic()
    tasks = []
    for name in names:
        try:
            spider_class, settings = _scrapy_settings(name, overrides=None, use_jobdir=True)
        except YuqingError as exc:
            _emit({"source": name, "fatal": f"{exc.__class__.__name__}: {exc}"})
            continue
        crawler = Crawler(spider_class, Settings(settings))

        async def one(crawler=crawler, name=name) -> None:
            try:
                await runner.crawl(crawler)
            except Exception as exc:  # noqa: BLE001 - one source's failure is its own
                _emit({"source": name, "fatal": f"{exc.__class__.__name__}: {exc}"})
                return
            _emit(summarise(crawler.stats.get_stats(), source=name, seconds=time.monotonic() - started))

        tasks.append(asyncio.ensure_future(one()))
    if tasks:
        await asyncio.gather(*tasks)
    _emit({"done": True})


def main() -> int:
    from scrapy.utils.log import configure_logging
    from scrapy.utils.reactor import install_reactor

    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from scrapy.crawler import AsyncCrawlerRunner
    from twisted.internet import reactor
    from twisted.internet.defer import Deferred

    from crawlers import settings as defaults

    configure_logging({"LOG_LEVEL": defaults.LOG_LEVEL, "LOG_FORMATTER": defaults.LOG_FORMATTER})
    # the runner's own settings are merged into every crawler at equal priority: keep them empty
    runner = AsyncCrawlerRunner({})

    def start(line: str) -> None:
        try:
            names = list(json.loads(line)["sources"])
        except (ValueError, KeyError, TypeError) as exc:
            _emit({"error": f"bad command: {exc}"})
            _emit({"done": True})
            return
        Deferred.fromFuture(asyncio.ensure_future(crawl_pass(runner, names)))

    def read_commands() -> None:
        for line in sys.stdin:
            if line.strip():
                reactor.callFromThread(start, line)
        reactor.callFromThread(reactor.stop)  # the parent closed our stdin: finish

    _emit({"ready": True})
    threading.Thread(target=read_commands, name="commands", daemon=True).start()
    reactor.run(installSignalHandlers=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
