"""Prefect flows. Flows only sequence; tasks are thin and carry the retries; the work is done by
the plain functions of flows/stages.py and crawlers/runner.py, tested without Prefect."""

from __future__ import annotations

from prefect import flow, task

from flows import stages
from flows.response import deliver_task


@task(name="enabled-sources")
def sources_task() -> list[str]:
    from yuqing import repo
    from yuqing.db import session_scope

    with session_scope() as session:
        return [source.name for source in repo.list_sources(session) if source.enabled]


@task(name="crawl", retries=2, retry_delay_seconds=10)
def crawl_task(source: str) -> list[str]:
    from crawlers.runner import crawl

    return [result.describe() for result in crawl([source])]


@task(name="analyze", retries=2, retry_delay_seconds=5)
def analyze_task() -> int:
    return stages.analyze_new_posts()


@task(name="watch", retries=2, retry_delay_seconds=5)
def watch_task() -> str:
    """监测方案 back-fill and 预警 rules, right after the analyse stage (flows/watch*.py)."""
    from flows import watch, watch_rules

    return "\n".join([watch.backfill().describe(), watch_rules.evaluate_rules().describe()])


@task(name="cluster", retries=2, retry_delay_seconds=5)
def cluster_task() -> str:
    return stages.cluster_new_posts().describe()


@task(name="route", retries=2, retry_delay_seconds=5)
def route_task() -> str:
    return stages.route_new_issues().describe()


@flow(name="pipeline", log_prints=True)
def pipeline_flow(crawl: bool = True, sources: list[str] | None = None) -> str:
    """One pass: crawl the sources, analyse new posts (matching them to the 监测方案), back-fill new
    schemes and check the 预警 rules, group posts into issues, route new issues, and deliver the
    alerts that routing and the rules queued."""
    if crawl:
        # one task per source, run side by side: each crawl is its own process, and the slowest
        # source, not the sum of all of them, sets how long a pass takes
        names = sources or sources_task()
        lines = [line for part in crawl_task.map(names).result() for line in part] or ["no enabled source"]
    else:
        lines = ["crawl skipped"]
    analysed = analyze_task()
    watched = watch_task()
    grouped = cluster_task()
    routed = route_task()
    delivered = deliver_task()
    summary = "\n".join([*lines, f"analysed {analysed} post(s)", watched, grouped, routed, delivered])
    print(summary)
    return summary
