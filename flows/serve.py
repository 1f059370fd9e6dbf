"""`yuqing serve`: the product's schedules on this machine, without a Prefect server, in the
district's zone (setting timezone). The caller runs `flows.configure_prefect()` first (the CLI
does), since Prefect reads its settings at import.

The pipeline runs in a long-lived loop in this process rather than as a served deployment: each
tick (`tick` seconds) it looks for sources due on their own cadence (or posts still waiting) and,
if any, runs one pipeline pass at once. The analyzer stays loaded between passes and the crawls go to
a long-lived crawl worker (crawlers/worker.py: one reactor, every due source side by side), so a pass
pays no process start and our own time does not grow with the number of sources. Notifications, the SLA watch, verification and the reports stay Prefect
deployments served by `flow.serve` (`prefect.yaml` declares the same for a Prefect server)."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable

from prefect import serve
from prefect.schedules import Cron

from flows.pipeline import pipeline_flow
from flows.response import notify_flow, report_flow, sla_watch_flow, verify_flow
from yuqing.clock import zone_name

log = logging.getLogger(__name__)
TICK_SECONDS = 5.0


def deployments():
    zone = zone_name()
    return [
        notify_flow.to_deployment(name="notify", interval=60),
        sla_watch_flow.to_deployment(name="sla-watch", interval=60),
        verify_flow.to_deployment(name="verify", interval=900),
        report_flow.to_deployment(name="daily-brief", schedule=Cron("0 8 * * *", timezone=zone),
                                  parameters={"kind": "daily"}),
        report_flow.to_deployment(name="weekly-report", schedule=Cron("0 8 * * 1", timezone=zone),
                                  parameters={"kind": "weekly"}),
    ]


def work_waiting() -> list[str] | None:
    """The sources due now, or [] when none is due but posts wait for analysis; None: nothing to do."""
    from yuqing import repo
    from yuqing.db import session_scope

    with session_scope() as session:
        due = repo.due_sources(session)
        if due:
            return due
        return [] if repo.count_posts_to_analyze(session) else None


def pipeline_loop(stop: threading.Event, *, tick: float = TICK_SECONDS,
                  on_pass: Callable[[float, str], None] | None = None) -> None:
    """Run a pipeline pass whenever a source is due (or posts wait), checking every `tick` seconds,
    until `stop` is set. A failed pass is logged and the loop goes on: every stage is idempotent and
    the next pass finishes what was left. `on_pass(start, summary)` is told of each pass."""
    from flows.pipeline import WARM

    WARM["crawl_worker"] = True  # crawls go to this process's long-lived crawl worker
    frozen = False
    while not stop.is_set():
        began = time.monotonic()
        try:
            due = work_waiting()
            if due is not None:
                summary = pipeline_flow(crawl=bool(due), sources=due or None)
                if on_pass:
                    on_pass(began, summary)
                # Garbage is collected here, between passes, not by a full collection that falls
                # inside one and walks the whole heap (the analyzer's models, Prefect) while an alert
                # waits; after the first pass the warm heap is frozen, so later ones walk only new objects.
                gc.collect()
                if not frozen:
                    gc.freeze()
                    frozen = True
        except Exception:  # noqa: BLE001 - one bad pass must not end the worker
            log.exception("pipeline pass failed; the next tick tries again")
        stop.wait(max(0.0, tick - (time.monotonic() - began)))


def serve_all(tick: float = TICK_SECONDS) -> None:
    stop = threading.Event()
    worker = threading.Thread(target=pipeline_loop, args=(stop,), kwargs={"tick": tick}, name="pipeline",
                              daemon=True)
    worker.start()
    try:
        serve(*deployments())
    finally:
        stop.set()
        worker.join(timeout=60)
