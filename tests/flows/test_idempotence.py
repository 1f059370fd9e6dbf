"""Idempotence with real processes: two workers at once, and a flow killed with SIGKILL midway and
re-run. Each is compared row for row with one clean, sequential run over the same posts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from flows import stages
from flows.outbox import deliver_due
from tests.conftest import PROJECT_ROOT
from tests.flows.seed import counts, seed_posts
from yuqing import repo
from yuqing.db import dispose_engines, get_engine, session_scope
from yuqing.migrate import upgrade
from yuqing.profile import load_profile
from yuqing.settings import reset_settings_cache

MESSAGES = 60


def child(mode: str, **env) -> subprocess.Popen:
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **env}
    return subprocess.Popen([sys.executable, "-m", "tests.flows.stage_runner", mode], cwd=PROJECT_ROOT,
                            env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def baseline(tmp_path, monkeypatch) -> dict[str, int]:
    """The same posts through one clean sequential run, on a fresh SQLite database."""
    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "baseline"))
    monkeypatch.delenv("YUQING_DATABASE_URL", raising=False)
    reset_settings_cache()
    dispose_engines()
    upgrade(get_engine())
    with session_scope() as session:
        repo.sync_units(session, units=load_profile("licheng").units.values())
    seed_posts(MESSAGES)
    stages.cluster_new_posts()
    stages.route_new_issues()
    deliver_due()
    return counts()


def received_keys(sink) -> Counter:
    return Counter(mail["X-Yuqing-Dedupe-Key"] for mail in sink.messages)


@pytest.mark.slow
def test_two_worker_processes_at_once_double_nothing(any_db, smtp, tmp_path, monkeypatch):
    seed_posts(MESSAGES)
    workers = [child("stages", YUQING_STAGE_BATCH_SIZE="10") for _ in range(2)]
    outputs = [worker.communicate(timeout=120)[0] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    after = counts()
    sent = received_keys(smtp)
    assert after["sent"] == after["notifications"] > 0
    assert set(sent) == set(repo_keys()) and max(sent.values()) == 1, "an e-mail was sent twice"
    assert after["assignments"] == after["assignment_pairs"] == after["routed_events"]
    assert after["notifications"] == after["notification_keys"]
    assert after == baseline(tmp_path, monkeypatch)


def repo_keys() -> list[str]:
    with session_scope() as session:
        return [n.dedupe_key for n in repo.list_notifications(session, limit=100_000)]


@pytest.mark.slow
@pytest.mark.prefect
def test_a_flow_killed_midway_and_rerun_loses_and_doubles_nothing(db, smtp, prefect_harness, tmp_path, monkeypatch):
    from prefect.settings import PREFECT_API_URL

    from flows.pipeline import pipeline_flow

    seed_posts(MESSAGES)
    total = counts()["posts"]
    marker = tmp_path / "halted"
    # the worker halts right after its first committed batch of grouping and waits to be killed there
    worker = child("flow", YUQING_STAGE_BATCH_SIZE="5", PREFECT_API_URL=PREFECT_API_URL.value(),
                   HALT_AFTER="cluster:1", HALT_MARKER=str(marker))
    deadline = time.monotonic() + 240  # a bound for a hung child, not a timing assertion
    while not marker.exists():
        assert worker.poll() is None, worker.communicate()[0]
        assert time.monotonic() < deadline, "the flow never committed a batch"
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)
    worker.communicate(timeout=30)
    at_kill = counts()
    assert worker.returncode == -signal.SIGKILL
    assert at_kill["clustered"] == 5 < total, "the kill lands after the first batch of five"

    pipeline_flow(crawl=False)
    after = counts()
    assert after["sent"] == after["notifications"] > 0
    assert set(received_keys(smtp)) == set(repo_keys())  # nothing lost; a repeat, if any, carries its key
    assert after == baseline(tmp_path, monkeypatch)


class _Conflict(Exception):
    """What psycopg raises when PostgreSQL aborts one of two transactions that wait on each other."""

    sqlstate = "40P01"


class _Duplicate(Exception):
    sqlstate = "23505"  # a unique violation: a bug, not a conflict to run again


def test_a_batch_that_loses_a_conflict_is_run_again_and_counted_once(db, smtp, tmp_path, monkeypatch):
    """Two workers' transactions can deadlock on the count rows their triggers update (seen with two
    worker processes on PostgreSQL): the aborted batch is rolled back and run again, its report counts
    taken back, and the result equals a run without the conflict. Another database error still fails."""
    from sqlalchemy.exc import DBAPIError

    seed_posts(MESSAGES)
    monkeypatch.setenv("YUQING_STAGE_BATCH_SIZE", "10")
    reset_settings_cache()
    real, calls = stages._cluster_one, []

    def failing(error):
        def cluster_one(session, post, *args):
            calls.append(post.id)
            if len(calls) == 15:  # the middle of the second batch, after its first posts were grouped
                raise DBAPIError("INSERT INTO issue_place_day …", {}, error)
            return real(session, post, *args)
        return cluster_one

    monkeypatch.setattr(stages, "_cluster_one", failing(_Duplicate("duplicate key")))
    with pytest.raises(DBAPIError):
        stages.cluster_new_posts()
    calls.clear()
    monkeypatch.setattr(stages, "_cluster_one", failing(_Conflict("deadlock detected")))
    report = stages.cluster_new_posts()
    twice = [post for post, n in Counter(calls).items() if n == 2]
    assert len(twice) == 5 and max(Counter(calls).values()) == 2  # the batch's first five, before the conflict
    assert report.new_issues + report.joined + sum(report.skipped.values()) == len(set(calls))  # each once
    stages.route_new_issues()
    deliver_due()
    assert counts() == baseline(tmp_path, monkeypatch)
