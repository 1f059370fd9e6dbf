"""Crawl one source in this process: ``python -m crawlers.run_source NAME [--result FILE]``.

The runner starts one such process per source, so every crawl gets a fresh Twisted reactor and a
crash, a hang or a SIGKILL touches only that source. The process writes its summary (a JSON dict of
counts from the crawl stats) to ``--result``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from yuqing.errors import ConfigError, YuqingError


def source_dict(name: str) -> dict:
    from yuqing import repo
    from yuqing.db import session_scope

    with session_scope() as session:
        source = repo.get_source(session, name=name)
        return {"name": source.name, "kind": source.kind, "url": source.url, "owner_unit": source.owner_unit,
                "config": dict(source.config or {}), "enabled": source.enabled}


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


def run(name: str, *, overrides: dict | None = None, use_jobdir: bool = True) -> dict:
    from scrapy.crawler import AsyncCrawlerProcess

    from crawlers.registry import spider_for
    from crawlers.settings import build_settings
    from yuqing.settings import get_settings

    settings = get_settings()
    source = source_dict(name)
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
    scrapy_settings = build_settings(
        source, user_agent=settings.crawl_user_agent, max_page_bytes=settings.crawl_max_page_bytes,
        jobdir=jobdir, overrides=overrides,
    )
    process = AsyncCrawlerProcess(scrapy_settings)
    crawler = process.create_crawler(spider_class)
    started = time.monotonic()
    process.crawl(crawler)
    process.start()
    return summarise(crawler.stats.get_stats(), source=name, seconds=time.monotonic() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("source")
    parser.add_argument("--result", type=Path, help="write the JSON summary here")
    parser.add_argument("--no-jobdir", action="store_true", help="do not persist the crawl queue (JOBDIR)")
    args = parser.parse_args(argv)
    try:
        summary = run(args.source, use_jobdir=not args.no_jobdir)
    except YuqingError as exc:
        summary = {"source": args.source, "fatal": f"{exc.__class__.__name__}: {exc}"}
        print(summary["fatal"], file=sys.stderr)
    text = json.dumps(summary, ensure_ascii=False, default=str)
    if args.result:
        args.result.write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0 if "fatal" not in summary else 2


if __name__ == "__main__":
    sys.exit(main())
