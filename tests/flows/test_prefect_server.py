"""Deployments of prefect.yaml through a real local Prefect server and real process workers:
`prefect server start` on a free loopback port, `prefect deploy` from prefect.yaml, `prefect
deployment run`, then `prefect worker start --run-once` runs each flow in its own process. One
worker delivers a queued alert to a real local HTTP receiver; two workers split the pipeline's runs
between them and nothing is processed twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from tests.conftest import PROJECT_ROOT
from tests.servers import HttpReceiver, free_port
from yuqing import repo
from yuqing.db import session_scope
from yuqing.models import Notification

PREFECT = str(Path(sys.executable).with_name("prefect"))


def run(args: list[str], env: dict, timeout: float = 60) -> str:
    result = subprocess.run([PREFECT, *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"prefect {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@contextmanager
def prefect_server(tmp_path):
    """A real `prefect server` on a free loopback port; yields (api URL, environment for the CLI)."""
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        # the tests trigger their own runs; the scheduler would add the deployments' interval runs
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
        "PREFECT_CLI_PROMPT": "false",
        "YUQING_HOME": str(PROJECT_ROOT),
    }
    server = subprocess.Popen([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, "prefect server exited"
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "prefect server did not answer within 60 s"
            time.sleep(0.5)
        run(["work-pool", "create", "yuqing", "--type", "process"], env)
        yield api, env
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.mark.slow
@pytest.mark.prefect
def test_a_deployment_runs_through_a_real_server_and_worker(db, tmp_path):
    receiver = HttpReceiver().start()
    with session_scope() as session:
        repo.enqueue_notification(session, channel="webhook", target=receiver.url + "/hook",
                                  subject="【舆情交办】经由 Prefect 服务器", body="正文", dedupe_key="server-k1")
    try:
        with prefect_server(tmp_path) as (api, env):
            run(["--no-prompt", "deploy", "--name", "notify"], env, timeout=90)
            run(["deployment", "run", "notify/notify"], env)
            run(["worker", "start", "--pool", "yuqing", "--run-once"], env, timeout=90)

            runs = httpx.post(f"{api}/flow_runs/filter", json={}, timeout=10).json()
            assert [r["state_type"] for r in runs] == ["COMPLETED"], runs
        assert [r.json()["dedupe_key"] for r in receiver.requests] == ["server-k1"]
        with session_scope() as session:
            assert [n.status for n in session.exec(select(Notification)).all()] == ["sent"]
    finally:
        receiver.stop()


@pytest.mark.slow
@pytest.mark.prefect
def test_two_workers_split_the_pipeline_runs_and_double_nothing(db, smtp, tmp_path):
    from tests.flows.seed import counts, seed_posts

    seed_posts(30)
    runs_wanted = 4
    with prefect_server(tmp_path) as (api, env):
        run(["--no-prompt", "deploy", "--name", "pipeline"], env, timeout=90)
        for _ in range(runs_wanted):
            run(["deployment", "run", "pipeline/pipeline", "--param", "crawl=false"], env)
        # each worker takes at most two runs at a time, so neither can take all four
        workers = [subprocess.Popen([PREFECT, "worker", "start", "--pool", "yuqing", "--run-once", "--limit", "2",
                                     "--name", f"worker-{n}"], cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True) for n in (1, 2)]
        outputs = [worker.communicate(timeout=180)[0] for worker in workers]
        # a run both workers reached for at the same instant is left to the next poll, as in production
        states = Counter(r["state_type"] for r in httpx.post(f"{api}/flow_runs/filter", json={}, timeout=10).json())
        if states.get("SCHEDULED"):
            run(["worker", "start", "--pool", "yuqing", "--run-once"], env, timeout=180)
        runs = httpx.post(f"{api}/flow_runs/filter", json={}, timeout=10).json()
    assert [w.returncode for w in workers] == [0, 0], outputs
    assert Counter(r["state_type"] for r in runs) == {"COMPLETED": runs_wanted}, runs
    submitted = [output.count(f"Worker 'worker-{n}' submitting flow run") for n, output in zip((1, 2), outputs, strict=True)]
    assert all(submitted) and sum(submitted) <= runs_wanted, outputs  # both worked, no run taken twice
    after = counts()
    assert after["clustered"] == after["grouped"] == after["posts"] > 0
    assert after["created_events"] == after["issues"] > 0
    assert after["assignment_pairs"] == after["assignments"] == after["routed_events"] > 0
    assert after["notification_keys"] == after["notifications"] == after["sent"] > 0
    received = Counter(mail["X-Yuqing-Dedupe-Key"] for mail in smtp.messages)
    assert set(received.values()) == {1} and len(received) == after["sent"]


def flow_run_states(api: str) -> Counter:
    return Counter(r["state_type"] for r in httpx.post(f"{api}/flow_runs/filter", json={}, timeout=10).json())


def flow_run_events(api: str) -> list[tuple[str, str]]:
    """(flow run, event) of every flow-run event the server recorded: what the zombie automation saw."""
    page = httpx.post(f"{api}/events/filter", json={"filter": {"event": {"prefix": ["prefect.flow-run."]}}, "limit": 50},
                      timeout=10)
    page.raise_for_status()
    return [(e["resource"]["prefect.resource.id"][-8:], e["event"]) for e in page.json()["events"]]


def process_tree(pid: int) -> list[int]:
    """`pid` and every process below it (the worker and the flow-run process it started)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += children.get(current, [])
    return tree


@pytest.mark.slow
@pytest.mark.prefect
def test_a_worker_killed_midway_loses_and_doubles_nothing(db, smtp, tmp_path, monkeypatch):
    """SIGKILL a Prefect worker and its flow-run process in the middle of grouping (as when its
    machine dies); a replacement worker's next run finishes the work, row for row as one clean run."""
    from tests.flows.seed import counts, seed_posts
    from tests.flows.test_idempotence import MESSAGES, baseline, received_keys, repo_keys

    seed_posts(MESSAGES)
    total = counts()["posts"]
    with prefect_server(tmp_path) as (api, env):
        # many small commits, so the kill lands between two; heartbeats, so the server learns of the death
        env = {**env, "YUQING_STAGE_BATCH_SIZE": "5", "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30"}
        guard = subprocess.run([sys.executable, "-m", "cli.main", "zombie-guard", "--silence", "40"],
                               cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert guard.returncode == 0 and "installed" in guard.stdout, guard.stdout + guard.stderr
        again = subprocess.run([sys.executable, "-m", "cli.main", "zombie-guard", "--silence", "40"],
                               cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert "already installed" in again.stdout, again.stdout + again.stderr
        run(["--no-prompt", "deploy", "--name", "pipeline"], env, timeout=90)
        run(["deployment", "run", "pipeline/pipeline", "--param", "crawl=false"], env)
        doomed = subprocess.Popen([PREFECT, "worker", "start", "--pool", "yuqing", "--run-once", "--name", "doomed"],
                                  cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True)
        deadline = time.monotonic() + 120
        while counts()["clustered"] == 0:
            assert doomed.poll() is None, doomed.communicate()[0]
            assert time.monotonic() < deadline, "the flow run never committed a batch"
            time.sleep(0.05)
        tree = process_tree(doomed.pid)
        for pid in tree:
            os.kill(pid, signal.SIGKILL)
        doomed.communicate(timeout=30)
        at_kill = counts()
        assert doomed.returncode == -signal.SIGKILL and len(tree) >= 2, tree  # the worker and its flow run
        assert 0 < at_kill["clustered"] < total, "the kill was meant to land midway"

        run(["deployment", "run", "pipeline/pipeline", "--param", "crawl=false"], env)
        run(["worker", "start", "--pool", "yuqing", "--run-once", "--name", "replacement"], env, timeout=180)
        # the killed run's heartbeats stopped: the guard's automation marks it Crashed
        deadline = time.monotonic() + 120
        while (states := flow_run_states(api)) != Counter({"CRASHED": 1, "COMPLETED": 1}):
            assert states.get("FAILED", 0) == 0 and time.monotonic() < deadline, (states, flow_run_events(api))
            time.sleep(1)
    after = counts()
    assert after["sent"] == after["notifications"] > 0
    assert set(received_keys(smtp)) == set(repo_keys())
    assert after == baseline(tmp_path, monkeypatch)
