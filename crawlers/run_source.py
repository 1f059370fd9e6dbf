"""Crawl sources in this process: ``python -m crawlers.run_source NAME [NAME …] [--result FILE]``.

The runner starts one such process per pass for every source that is due, crawled side by side
(one reactor, one Scrapy crawler per source): a pass costs one process start whatever the number of
sources, a fresh reactor each time, and a SIGKILL loses nothing (each source's JOBDIR and the
store's dedup let the next pass finish what was left). A source that cannot start, or whose spider
fails, does not stop the others. The process writes one JSON summary per source (counts from its
crawl stats) to ``--result``, a line as each source finishes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from yuqing.errors import ConfigError, YuqingError


def _as_dict(source) -> dict:
    return {"name": source.name, "kind": source.kind, "url": source.url, "owner_unit": source.owner_unit,
            "config": dict(source.config or {}), "enabled": source.enabled}


def source_dict(name: str) -> dict:
    from yuqing import repo
    from yuqing.db import session_scope

    with session_scope() as session:
        return _as_dict(repo.get_source(session, name=name))


def source_dicts(names: list[str]) -> dict[str, dict]:
    """The named sources that exist, read in one session (a pass reads its sources at once, not one
    session per source); a missing name is left out, for `source_dict` to report."""
    from yuqing import repo
    from yuqing.db import session_scope

    wanted = set(names)
    with session_scope() as session:
        return {source.name: _as_dict(source) for source in repo.list_sources(session) if source.name in wanted}


def jobdir_for(name: str) -> Path:
    from yuqing.settings import get_settings

    return get_settings().data_dir / "crawl" / name


def summarise(stats: dict, *, source: str, seconds: float) -> dict:
    """The crawl stats the runner reports, as plain JSON."""
    dropped = {k.removeprefix("yuqing/dropped/"): v for k, v in stats.items() if k.startswith("yuqing/dropped/")}
    errors = {k.removeprefix("yuqing/errors/"): v for k, v in stats.items() if k.startswith("yuqing/errors/")}
    for key, value in stats.items():
        if key.startswith("spider_exceptions/"):
            errors[key.removeprefix("spider_exceptions/")] = errors.get(key.removeprefix("spider_exceptions/"), 0) + value
    if stats.get("log_count/ERROR"):
        errors["logged_errors"] = stats["log_count/ERROR"]
    return {
        "source": source,
        "stored": stats.get("yuqing/stored", 0),
        "updated": stats.get("yuqing/updated", 0),
        "skipped_known": stats.get("yuqing/skipped_known", 0),
        "linked": stats.get("yuqing/linked/content", 0) + stats.get("yuqing/linked/near_duplicate", 0),
        "pages": stats.get("response_received_count", 0),
        "dropped": dropped,
        "errors": errors,
        "start_error": stats.get("yuqing/start_error"),
        "finish_reason": stats.get("finish_reason"),
        "seconds": round(seconds, 2),
    }


# what the one process shares: the same value for every source (crawlers/settings.py)
PROCESS_KEYS = ("LOG_LEVEL", "LOG_FORMATTER", "TELNETCONSOLE_ENABLED", "REMOTE_CONTROL_ENABLED", "BOT_NAME",
                "SPIDER_MODULES", "NEWSPIDER_MODULE")


def _scrapy_settings(name: str, *, overrides: dict | None, use_jobdir: bool,
                     source: dict | None = None) -> tuple[type, dict]:
    """The spider class and Scrapy settings of one source (a YuqingError if it cannot be crawled);
    `source`: its row as `source_dict` gives it, when the caller has read it already."""
    from crawlers.registry import spider_for
    from crawlers.settings import build_settings
    from yuqing.settings import get_settings

    settings = get_settings()
    source = source or source_dict(name)
    spider_class = spider_for(source["kind"])
    jobdir = jobdir_for(name) if use_jobdir else None
    if settings.redis_url:
        # distributed mode (crawlers/distributed.py): the frontier and dupefilter shared in Redis are
        # the crawl's persistent state, so no per-process JOBDIR
        from crawlers.distributed import check_redis, redis_settings

        problem = check_redis(settings.redis_url)
        if problem:
            raise ConfigError(f"redis_url is set but {problem}")
        concurrency = int((source.get("config") or {}).get("concurrency", 4))
        overrides = {**redis_settings(name, settings.redis_url, concurrency=concurrency), **(overrides or {})}
        jobdir = None
    return spider_class, build_settings(
        source, user_agent=settings.crawl_user_agent, max_page_bytes=settings.crawl_max_page_bytes,
        jobdir=jobdir, overrides=overrides,
    )


def run_many(names: list[str], *, overrides: dict | None = None, use_jobdir: bool = True,
             on_done=None) -> list[dict]:
    """Crawl several sources side by side in this one process (one reactor, one crawler each).

    A source that cannot start (unknown, misconfigured, Redis down) gets a `fatal` summary and the
    others still run; an error inside one spider stays in that spider's stats. `on_done(summary)`
    is called as each source finishes, so a caller can act on the first results early."""
    from scrapy.crawler import AsyncCrawlerProcess, Crawler
    from scrapy.settings import Settings

    prepared: list[tuple[str, type, dict]] = []
    summaries: dict[str, dict] = {}
    for name in names:
        try:
            spider_class, scrapy_settings = _scrapy_settings(name, overrides=overrides, use_jobdir=use_jobdir)
        except YuqingError as exc:
            summaries[name] = {"source": name, "fatal": f"{exc.__class__.__name__}: {exc}"}
            if on_done:
                on_done(summaries[name])
            continue
        prepared.append((name, spider_class, scrapy_settings))
    if prepared:
        # The process settings install the reactor and logging only. Scrapy merges them into every
        # crawler at equal priority, so they must hold nothing a source sets for itself.
        first = prepared[0][2]
        process = AsyncCrawlerProcess({key: first[key] for key in PROCESS_KEYS if key in first})
        started = time.monotonic()
        for name, spider_class, scrapy_settings in prepared:
            crawler = Crawler(spider_class, Settings(scrapy_settings))

            def finished(_result=None, *, crawler=crawler, name=name):
                summaries[name] = summarise(crawler.stats.get_stats(), source=name,
                                            seconds=time.monotonic() - started)
                if on_done:
                    on_done(summaries[name])
                return _result

            outcome = process.crawl(crawler)
            if hasattr(outcome, "addBoth"):
                outcome.addBoth(finished)
            else:
                outcome.add_done_callback(lambda _future, done=finished: done())
        process.start()
        for name, _, _ in prepared:  # a crawler whose callback never ran (it could not even open)
            if name not in summaries:
                summaries[name] = {"source": name, "fatal": "crawler did not start"}
    return [summaries[name] for name in names if name in summaries]


def run(name: str, *, overrides: dict | None = None, use_jobdir: bool = True) -> dict:
    """Crawl one source in this process (tests and benches call it directly)."""
    summary = run_many([name], overrides=overrides, use_jobdir=use_jobdir)[0]
    if "fatal" in summary:
        raise ConfigError(summary["fatal"])
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sources", nargs="+", help="source names; several are crawled side by side")
    parser.add_argument("--result", type=Path,
                        help="write one JSON summary per line here, each as its source finishes")
    parser.add_argument("--no-jobdir", action="store_true", help="do not persist the crawl queue (JOBDIR)")
    args = parser.parse_args(argv)
    sink = args.result.open("w", encoding="utf-8") if args.result else sys.stdout

    def emit(summary: dict) -> None:
        if "fatal" in summary:
            print(summary["fatal"], file=sys.stderr)
        sink.write(json.dumps(summary, ensure_ascii=False, default=str) + "\n")
        sink.flush()

    try:
        summaries = run_many(args.sources, use_jobdir=not args.no_jobdir, on_done=emit)
    finally:
        if args.result:
            sink.close()
    return 2 if any("fatal" in s for s in summaries) else 0


if __name__ == "__main__":
    sys.exit(main())
