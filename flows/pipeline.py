"""Prefect flows. Flows only sequence; tasks are thin and carry the retries; the work is done by
the plain functions of flows/stages.py and crawlers/runner.py, tested without Prefect."""

from __future__ import annotations

import time
from contextlib import contextmanager

from prefect import flow, task

from flows import stages
from flows.response import deliver_task


@task(name="due-sources")
def sources_task() -> list[str]:
    """The enabled sources whose own cadence (`every:` in sources.yaml) says they are due now."""
    from yuqing import repo
    from yuqing.db import session_scope

    with session_scope() as session:
        return repo.due_sources(session)


# Set by a long-lived process (flows/serve.pipeline_loop): crawl through its long-lived crawl worker
# rather than a child process per pass.
WARM = {"crawl_worker": False}


@task(name="crawl", retries=2, retry_delay_seconds=10)
def crawl_task(sources: str | list[str]) -> list[str]:
    from crawlers.runner import crawl

    names = [sources] if isinstance(sources, str) else list(sources)
    return [result.describe() for result in crawl(names, persistent=WARM["crawl_worker"])]


@task(name="analyze", retries=2, retry_delay_seconds=5)
def analyze_task() -> int:
    return stages.analyze_new_posts()


@task(name="watch", retries=2, retry_delay_seconds=5)
def watch_task() -> str:
    """监测方案 back-fill and 预警 rules, right after the analyse stage (flows/watch*.py)."""
    from flows import watch, watch_rules

    # a long history is back-filled over several passes (the cursor resumes), so alerts never wait on it
    return "\n".join([watch.backfill(limit_batches=50).describe(), watch_rules.evaluate_rules().describe()])


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
    timer = StageTimer()
    if crawl:
        # every due source side by side in one crawl process: one process start per pass, and the
        # slowest source, not the sum of all of them, sets how long the crawl takes
        names = sources or sources_task()
        with timer("crawl"):
            lines = crawl_task(names) if names else ["no source due"]
    else:
        lines = ["crawl skipped"]
    with timer("analyse"):
        analysed = analyze_task()
    with timer("watch"):
        watched = watch_task()
    with timer("group"):
        grouped = cluster_task()
    with timer("route"):
        routed = route_task()
    with timer("deliver"):
        delivered = deliver_task()
    summary = "\n".join([*lines, f"analysed {analysed} post(s)", watched, grouped, routed, delivered, timer.describe()])
    print(summary)
    return summary


class StageTimer:
    """Seconds spent in each stage of one pass (the last line of the pass summary; bench/latency.py reads it)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str):
        began = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - began

    def describe(self) -> str:
        return "stage seconds: " + ", ".join(f"{stage}={seconds:.2f}" for stage, seconds in self.seconds.items())
