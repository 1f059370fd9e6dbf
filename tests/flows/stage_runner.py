"""Run in a child process by the idempotence tests: the pipeline once, as plain stages or as the
real Prefect flow (against the API in PREFECT_API_URL). The tests shrink the stages' batches
(YUQING_STAGE_BATCH_SIZE) so there are several commits to land between.

With HALT_AFTER=stage:batches and HALT_MARKER=path, the worker stops dead right after that many
committed (and lease-renewed) batches of that stage: it writes the marker file and blocks until it
is killed, so the test's kill lands at the same point on a fast machine and a slow one."""

import os
import sys
import threading
from pathlib import Path

from flows import leases, stages


def _halt_after(stage: str, batches: int, marker: Path) -> None:
    renew = leases.Lease.renew

    def renew_then_halt(lease) -> None:
        renew(lease)
        if lease.name == stage and lease.batches == batches:
            marker.write_text(f"{stage} {batches}", encoding="utf-8")
            threading.Event().wait()  # until SIGKILL

    leases.Lease.renew = renew_then_halt


if os.environ.get("HALT_AFTER"):
    halt_stage, halt_batches = os.environ["HALT_AFTER"].split(":")
    _halt_after(halt_stage, int(halt_batches), Path(os.environ["HALT_MARKER"]))

if sys.argv[1] == "stages":
    from flows.outbox import deliver_due

    print(stages.cluster_new_posts().describe())
    print(stages.route_new_issues().describe())
    print(deliver_due().describe())
elif sys.argv[1] == "flow":
    from flows import configure_prefect

    configure_prefect()  # the parent's PREFECT_HOME, in the environment
    from flows.pipeline import pipeline_flow

    pipeline_flow(crawl=False)
else:
    raise SystemExit(f"unknown mode {sys.argv[1]!r}")
