"""A worker that stalls mid-batch (SIGSTOP: a frozen VM, swapping, a long GC pause) for longer than
its stage lease, while a second worker takes the stage over, must not leave a post grouped twice or
an issue without posts when it wakes up and commits: the lease is checked and renewed inside the
batch's own transaction (fencing), not only after it.

PostgreSQL only: on SQLite the stalled worker's open write transaction holds the database's single
write lock, so the second worker cannot take over mid-batch in the first place (the race below needs
a database with row locks)."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, text
from sqlmodel import select

from tests.flows.seed import counts, seed_posts
from tests.scale.procs import spawn
from yuqing import repo
from yuqing.db import get_engine, session_scope
from yuqing.migrate import upgrade
from yuqing.models import Event, Issue, Post
from yuqing.profile import load_profile


def grouped_in(output: str) -> int:
    """Posts a worker's stage reports say it handled (new issues + joined + skipped)."""
    total = 0
    for line in output.splitlines():
        report = json.loads(line)["report"]
        total += sum(int(n) for n in re.findall(r"(\d+) (?:new issue|post\(s\) joined|spam|not relevant)", report))
    return total


def wait_for(condition, what: str, timeout: float = 60.0, every: float = 0.005):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(every)
    return value


@pytest.mark.slow
@pytest.mark.postgres
def test_a_worker_stalled_past_its_lease_doubles_nothing(postgres_url):
    upgrade(get_engine())
    with session_scope() as session:
        repo.sync_units(session, units=load_profile("licheng").units.values())
    total = seed_posts(60, copies=4)
    engine = get_engine()
    lease = {"YUQING_STAGE_LEASE_SECONDS": "60"}
    # one batch for everything, so the stall lands inside a batch transaction
    first = spawn("cluster", "1", "100000", YUQING_DATABASE_URL=f"{postgres_url}?application_name=stalled", **lease)
    assert first.stdout.readline().strip() == "ready"
    first.stdin.write("go\n")
    first.stdin.flush()

    def activity(where: str) -> bool:
        with engine.connect() as connection:
            return bool(connection.execute(text(f"SELECT count(*) FROM pg_stat_activity WHERE {where}")).scalar())

    def in_batch() -> bool:
        with engine.connect() as connection:
            holder = connection.execute(text("SELECT holder FROM stagelease WHERE name = 'cluster'")).scalar()
        return bool(holder and f":{first.pid}:" in holder
                    and activity("application_name = 'stalled' AND backend_xid IS NOT NULL"))

    wait_for(in_batch, "the first worker to be inside its batch transaction")
    os.kill(first.pid, signal.SIGSTOP)
    try:
        # The second worker's clock stands a day ahead, so the stalled worker's lease has expired for it
        # (no sleeping past a short lease); it must then wait for the stalled batch's row lock.
        ahead = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        second = spawn("cluster", "400", "100000", YUQING_FAKE_NOW=ahead,
                       YUQING_DATABASE_URL=f"{postgres_url}?application_name=takeover", **lease)
        assert second.stdout.readline().strip() == "ready"
        second.stdin.write("go\n")
        second.stdin.flush()
        wait_for(lambda: activity("application_name = 'takeover' AND wait_event_type = 'Lock'"),
                 "the second worker to wait for the stalled worker's lease row")
    finally:
        os.kill(first.pid, signal.SIGCONT)
    outputs = [worker.communicate(timeout=120) for worker in (first, second)]
    assert [worker.returncode for worker in (first, second)] == [0, 0], outputs
    # the stalled worker's one batch held every post and committed (it may then find its lease gone, and
    # stop); whatever the second worker grouped was grouped twice
    assert grouped_in(outputs[1][0]) == 0, f"the second worker grouped posts again: {outputs[1][0]}"

    after = counts()
    assert after["clustered"] == after["grouped"] == total
    with session_scope() as session:
        created = Counter(e.data["post_id"] for e in session.exec(select(Event).where(Event.kind == "created")).all())
        grouped_issues = set(session.exec(select(Post.issue_id).where(Post.issue_id != None)).all())  # noqa: E711
        issues = session.exec(select(func.count()).select_from(Issue)).one()
        post_counts = sum(session.exec(select(Issue.post_count)).all())
    assert max(created.values()) == 1, "a post opened two issues"
    assert issues == len(grouped_issues) == after["created_events"], "an issue was left without posts"
    assert post_counts == total
