"""Prefect flows of the response half: deliver alerts, watch deadlines, verify published
responses, write reports. Flows sequence; tasks are thin and carry the retries."""

from __future__ import annotations

from datetime import date

from prefect import flow, task

from flows import outbox, reports, sla, verify


@task(name="deliver-notifications", retries=2, retry_delay_seconds=5)
def deliver_task() -> str:
    return outbox.deliver_due().describe()


@task(name="sla-watch", retries=2, retry_delay_seconds=5)
def sla_task() -> str:
    return sla.sla_watch().describe()


@task(name="verify-responses", retries=1, retry_delay_seconds=30)
def verify_task() -> str:
    return verify.verify_responses().describe()


@task(name="write-report", retries=1, retry_delay_seconds=60)
def report_task(kind: str, day: date | None) -> list[str]:
    return [str(path) for path in reports.write_report(kind, day)]


@flow(name="notify", log_prints=True)
def notify_flow() -> str:
    """Deliver every due notification of the outbox."""
    summary = deliver_task()
    print(summary)
    return summary


@flow(name="sla-watch", log_prints=True)
def sla_watch_flow() -> str:
    """Reminders and escalations for every open deadline, then deliver them at once."""
    summary = f"{sla_task()}; {deliver_task()}"
    print(summary)
    return summary


@flow(name="verify", log_prints=True)
def verify_flow() -> str:
    """Check that responses given with a public URL are really published there."""
    summary = verify_task()
    print(summary)
    return summary


@flow(name="report", log_prints=True)
def report_flow(kind: str = "daily", day: date | None = None) -> list[str]:
    """Write the daily brief or the weekly supervisor report (HTML + DOCX)."""
    paths = report_task(kind, day)
    print("\n".join(paths))
    return paths
