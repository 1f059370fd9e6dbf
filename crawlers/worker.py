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

Garbage collection runs between passes, not in them: every pass leaves its crawlers behind as
cyclic garbage, and a full collection that falls inside a pass walks the whole heap (imports,
Scrapy, SQLAlchemy) while the sources wait. So after each pass (its ``done`` line already sent) the
worker collects, and after the first pass, when every spider and parser module is loaded, it
freezes what is left (``gc.freeze``): later collections walk only what the passes allocate.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import threading
import time

MARK = "@@yuqing-crawl "


# Scrapy settings of every crawl in the worker. WARN_ON_GENERATOR_RETURN_VALUE parses each spider
# callback's source (ast) the first time each crawler calls it, i.e. for every source on every pass:
# a development lint that cost more than the crawl of a quiet source. `yuqing crawl` keeps it.
PASS_SETTINGS = {"WARN_ON_GENERATOR_RETURN_VALUE": False}
SCRAPY_ROBOTS = "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"


def pass_settings(name: str, source: dict | None = None) -> tuple[type, dict]:
    """The spider class and Scrapy settings of one source in this worker: the source's own, with
    PASS_SETTINGS and the shared robots.txt."""
    from crawlers.run_source import _scrapy_settings

    spider_class, settings = _scrapy_settings(name, overrides=PASS_SETTINGS, use_jobdir=True, source=source)
    middlewares = dict(settings.get("DOWNLOADER_MIDDLEWARES") or {})
    middlewares.update({SCRAPY_ROBOTS: None, "crawlers.shared_robots.SharedRobotsTxtMiddleware": 100})
    return spider_class, {**settings, "DOWNLOADER_MIDDLEWARES": middlewares}


def _emit(payload: dict) -> None:
    sys.stdout.write(MARK + json.dumps(payload, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


async def crawl_pass(runner, names: list[str]) -> None:
    """Crawl `names` side by side; a summary line per source, then ``done`` whatever happened."""
    try:
        await _crawl_all(runner, names)
    finally:
        # the parent waits for this line: nothing that goes wrong in a pass may hold it back
        _emit({"done": True})


async def _crawl_all(runner, names: list[str]) -> None:
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

    from crawlers.run_source import source_dicts, summarise

    started = time.monotonic()
    try:
        rows = source_dicts(names)
    except Exception:  # noqa: BLE001 - then each source reads its own row and reports its own error
        rows = {}
    tasks = []
    for name in names:
        try:
            spider_class, settings = pass_settings(name, rows.get(name))
            crawler = _ready_crawler(name, spider_class, settings) or Crawler(spider_class, Settings(settings))
        except Exception as exc:  # noqa: BLE001 - a source that cannot start (its config, its spider) is its own
            _emit({"source": name, "fatal": f"{exc.__class__.__name__}: {exc}"})
            continue

        async def one(crawler=crawler, name=name) -> None:
            try:
                # a prepared crawler's settings are frozen already: it runs by itself, without the
                # runner merging its own (empty) settings into them
                await (crawler.crawl_async() if getattr(crawler, "prepared", False) else runner.crawl(crawler))
            except Exception as exc:  # noqa: BLE001 - one source's failure is its own
                _emit({"source": name, "fatal": f"{exc.__class__.__name__}: {exc}"})
                return
            _emit(summarise(crawler.stats.get_stats(), source=name, seconds=time.monotonic() - started))

        tasks.append(asyncio.ensure_future(one()))
    if tasks:
        await asyncio.gather(*tasks)


# Crawlers built between passes for the sources of the last one (name → (spider class, settings,
# crawler)). A Scrapy crawler runs once, and building one (a deep copy of its ~450 settings, then
# its spider, components and engine: crawlers/prepared.py) is the largest fixed cost of a source;
# built while the worker is idle, it is off the pass's clock. A pass uses one only if the source's
# settings, read from the database at that moment, and its crawl state on disk are still the same.
_READY: dict[str, tuple[type, dict, object]] = {}


def _ready_crawler(name: str, spider_class: type, settings: dict):
    ready = _READY.pop(name, None)
    if ready is not None and ready[0] is spider_class and ready[1] == settings and ready[2].still_valid():
        return ready[2]
    return None


def prepare_next_pass(names: list[str]) -> None:
    """Build the crawlers the next pass will probably want (the same sources as this one)."""
    from scrapy.settings import Settings

    from crawlers.prepared import PreparedCrawler
    from crawlers.run_source import source_dicts

    _READY.clear()
    try:
        rows = source_dicts(names)
    except Exception:  # noqa: BLE001 - nothing prepared; the pass builds its crawlers itself
        return
    for name in names:
        if name not in rows:
            continue
        try:
            spider_class, settings = pass_settings(name, rows[name])
            crawler = PreparedCrawler(spider_class, Settings(settings))
            try:
                crawler.prepare()
            except Exception:  # noqa: BLE001 - built but not prepared: the pass does the rest (and reports)
                crawler = PreparedCrawler(spider_class, Settings(settings))
            _READY[name] = (spider_class, settings, crawler)
        except Exception:  # noqa: BLE001 - the pass will report this source's problem
            continue


def tidy_between_passes(state: dict, names: list[str]) -> None:
    """Between passes, while nothing waits: collect the pass's garbage, freeze the warm heap after
    the first pass, and build the crawlers of the next one."""
    gc.collect()
    if not state.get("frozen"):
        gc.freeze()
        state["frozen"] = True
    prepare_next_pass(names)


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
    heap: dict = {}

    def start(line: str) -> None:
        try:
            names = list(json.loads(line)["sources"])
        except (ValueError, KeyError, TypeError) as exc:
            _emit({"error": f"bad command: {exc}"})
            _emit({"done": True})
            return
        passed = Deferred.fromFuture(asyncio.ensure_future(crawl_pass(runner, names)))
        passed.addErrback(lambda failure: failure.printTraceback(file=sys.stderr))
        passed.addBoth(lambda _: tidy_between_passes(heap, names))

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
