"""Prefect flows of the response half: deliver alerts, watch deadlines, verify published
responses, write reports. Flows sequence; tasks are thin and carry the retries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from prefect import Task, flow, task
from prefect.cache_policies import NO_CACHE

from flows import outbox, reports, sla, verify


def _summary_task(name: str, step: Callable[[], object], *, retries: int, retry_delay_seconds: int) -> Task[[], str]:
    """A task that runs one step (a function returning a report) and returns the report's one-line summary.
    Never served from a cache: the tasks share one body, and each run must act on the database afresh."""

    def run() -> str:
        return step().describe()

    run.__name__ = run.__qualname__ = name.replace("-", "_")  # Prefect keys a task by its function's name
    return task(run, name=name, retries=retries, retry_delay_seconds=retry_delay_seconds, cache_policy=NO_CACHE)


# the steps are looked up when the task runs, so a test can replace one
deliver_task = _summary_task("deliver-notifications", lambda: outbox.deliver_due(), retries=2, retry_delay_seconds=5)
sla_task = _summary_task("sla-watch", lambda: sla.sla_watch(), retries=2, retry_delay_seconds=5)
verify_task = _summary_task("verify-responses", lambda: verify.verify_responses(), retries=1, retry_delay_seconds=30)


@task(name="write-report", retries=1, retry_delay_seconds=60)
def report_task(kind: str, day: date | None) -> list[str]:
    return [str(path) for path in reports.write_report(kind, day)]


def _printed(summary: str) -> str:
    print(summary)
    return summary


@flow(name="notify", log_prints=True)
def notify_flow() -> str:
    """Deliver every due notification of the outbox."""
    return _printed(deliver_task())


@flow(name="sla-watch", log_prints=True)
def sla_watch_flow() -> str:
    """Reminders and escalations for every open deadline, then deliver them at once."""
    return _printed(f"{sla_task()}; {deliver_task()}")


@flow(name="verify", log_prints=True)
def verify_flow() -> str:
    """Check that responses given with a public URL are really published there."""
    return _printed(verify_task())


@flow(name="report", log_prints=True)
def report_flow(kind: str = "daily", day: date | None = None) -> list[str]:
    """Write the daily brief or the weekly supervisor report (HTML + DOCX)."""
    paths = report_task(kind, day)
    print("\n".join(paths))
    return paths
