"""A worker process for the concurrency tests: it imports everything, prints ``ready``, waits for
``go`` on stdin (so two of them start at the same instant), does its part and prints one JSON line
per item; in lockstep modes it waits for ``go`` before every item. Run as ``python -m tests.scale.racer MODE ARGS...`` with the database in the environment."""

from __future__ import annotations

import json
import os
import sys
import time


def transitions(action: str, ids: list[int]) -> None:
    from yuqing import lifecycle
    from yuqing.db import session_scope
    from yuqing.errors import IllegalTransition
    from yuqing.repo import Viewer

    viewer = Viewer(username=f"ana-{action}", role="analyst")  # analysts may act for a unit (by phone)
    calls = {
        "ack": lambda s, i: lifecycle.acknowledge(s, viewer=viewer, assignment_id=i),
        "respond": lambda s, i: lifecycle.respond(s, viewer=viewer, assignment_id=i, text="已核实并处理，现答复如下。",
                                                  url="https://www.qzlc.gov.cn/answer"),
        "return": lambda s, i: lifecycle.return_assignment(s, viewer=viewer, assignment_id=i, reason="不属于本单位职责"),
        "close": lambda s, i: lifecycle.close(s, viewer=viewer, assignment_id=i, note="办结"),
    }
    for assignment_id in ids:
        _wait_for_go()  # lockstep: both workers start every item at the same instant
        try:
            with session_scope() as session:
                calls[action](session, assignment_id)
            outcome = "ok"
        except IllegalTransition:
            outcome = "illegal"
        except Exception as exc:  # reported, so the test shows what went wrong instead of a bare exit code
            outcome = f"error: {exc.__class__.__name__}: {str(exc)[:300]}"
        print(json.dumps({"id": assignment_id, "outcome": outcome}), flush=True)


def cluster(rounds: int) -> None:
    """Run the grouping stage until nothing is left (or `rounds` times), as a worker loop would."""
    from flows import stages
    from flows.leases import LeaseLost
    from yuqing import repo
    from yuqing.db import session_scope

    _wait_for_go()
    for _ in range(rounds):
        try:
            report = stages.cluster_new_posts()
            print(json.dumps({"outcome": "ok", "report": report.describe()}), flush=True)
        except LeaseLost as exc:
            print(json.dumps({"outcome": "lease lost", "report": str(exc)}), flush=True)
        with session_scope() as session:
            if not repo.posts_to_cluster(session, limit=1):
                break
        time.sleep(0.05)  # a worker loop polls; it does not spin


def _wait_for_go() -> None:
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        raise SystemExit("no go")


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "transitions":
        transitions(sys.argv[2], [int(x) for x in sys.argv[3].split(",")])
    elif mode == "cluster":
        from yuqing.settings import reset_settings_cache

        os.environ["YUQING_STAGE_BATCH_SIZE"] = sys.argv[3]
        reset_settings_cache()
        cluster(int(sys.argv[2]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
