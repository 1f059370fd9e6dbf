"""The database goes away mid-stage (a TCP proxy in front of PostgreSQL is cut for a minute, dropping
every connection and refusing new ones) and comes back: the worker fails cleanly, a worker started
during the outage fails cleanly too, and the run after recovery completes with every row counted
exactly as one clean run over the same posts writes them — nothing lost, nothing doubled."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter

import pytest
from sqlalchemy.engine import make_url

from flows import stages
from flows.outbox import deliver_due
from tests.conftest import PROJECT_ROOT
from tests.flows.seed import counts, seed_posts
from tests.scale.tcpproxy import TcpProxy
from yuqing import repo
from yuqing.db import dispose_engines, get_engine, session_scope
from yuqing.migrate import upgrade
from yuqing.profile import load_profile
from yuqing.settings import reset_settings_cache

MESSAGES = 40
OUTAGE_SECONDS = 60  # "the database unavailable for a minute"


def run_pipeline_child(url: str, smtp_port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "YUQING_DATABASE_URL": url,
           "YUQING_SMTP_PORT": str(smtp_port), "YUQING_STAGE_BATCH_SIZE": "3"}
    return subprocess.Popen([sys.executable, "-m", "tests.flows.stage_runner", "stages"], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def prepare() -> None:
    upgrade(get_engine())
    with session_scope() as session:
        repo.sync_units(session, units=load_profile("licheng").units.values())
    seed_posts(MESSAGES)


@pytest.mark.slow
@pytest.mark.postgres
def test_database_outage_mid_stage_then_recovery_loses_and_doubles_nothing(postgres_url, smtp, tmp_path, monkeypatch):
    direct = make_url(postgres_url)
    proxy = TcpProxy(direct.host, direct.port or 5432).start()
    proxied = direct.set(port=proxy.port).render_as_string(hide_password=False)
    try:
        prepare()
        total = counts()["posts"]
        worker = run_pipeline_child(proxied, smtp.port)
        deadline = time.monotonic() + 90
        while counts()["clustered"] == 0:  # counted over a direct connection, past the proxy
            assert worker.poll() is None, worker.communicate()[0]
            assert time.monotonic() < deadline, "the worker never committed a batch"
            time.sleep(0.02)
        proxy.cut()
        cut_at = time.monotonic()
        output = worker.communicate(timeout=60)[0]
        assert worker.returncode != 0, f"the worker should have failed when the database went away:\n{output}"
        assert "OperationalError" in output, output[-3000:]
        at_cut = counts()
        assert 0 < at_cut["clustered"] < total, "the outage was meant to land midway"

        during = run_pipeline_child(proxied, smtp.port)  # a worker started while the database is down
        output = during.communicate(timeout=60)[0]
        assert during.returncode != 0 and "OperationalError" in output, output[-3000:]
        assert counts() == at_cut, "nothing is written while the database is away"

        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - cut_at)))
        proxy.restore()
        again = run_pipeline_child(proxied, smtp.port)
        output = again.communicate(timeout=120)[0]
        assert again.returncode == 0, output[-3000:]
        assert proxy.refused > 0
    finally:
        proxy.stop()

    after = counts()
    with session_scope() as session:
        keys = [n.dedupe_key for n in repo.list_notifications(session, limit=100_000)]
    received = Counter(mail["X-Yuqing-Dedupe-Key"] for mail in smtp.messages)
    assert after["sent"] == after["notifications"] > 0
    # at-least-once delivery: a message in flight at the cut may arrive twice, always with its key
    assert set(received) == set(keys)
    assert after["assignments"] == after["assignment_pairs"] == after["routed_events"]
    assert after == baseline(tmp_path, monkeypatch)


def baseline(tmp_path, monkeypatch) -> dict[str, int]:
    """The same posts through one clean sequential run, on a fresh SQLite database."""
    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "baseline"))
    monkeypatch.delenv("YUQING_DATABASE_URL", raising=False)
    reset_settings_cache()
    dispose_engines()
    prepare()
    stages.cluster_new_posts()
    stages.route_new_issues()
    deliver_due()
    return counts()
