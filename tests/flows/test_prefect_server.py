"""One deployment of prefect.yaml through a real local Prefect server and a real process worker:
`prefect server start` on a free loopback port, `prefect deploy` from prefect.yaml, `prefect
deployment run`, then `prefect worker start --run-once` runs the flow in its own process, which
delivers a queued alert to a real local HTTP receiver."""

from __future__ import annotations

import os
import subprocess
import sys
import time
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


@pytest.mark.slow
@pytest.mark.prefect
def test_a_deployment_runs_through_a_real_server_and_worker(db, tmp_path):
    receiver = HttpReceiver().start()
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        # the test triggers its own run; the scheduler would add the deployments' interval runs
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
        "PREFECT_CLI_PROMPT": "false",
        "YUQING_HOME": str(PROJECT_ROOT),
    }
    with session_scope() as session:
        repo.enqueue_notification(session, channel="webhook", target=receiver.url + "/hook",
                                  subject="【舆情交办】经由 Prefect 服务器", body="正文", dedupe_key="server-k1")
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
        run(["--no-prompt", "deploy", "--name", "notify"], env, timeout=90)
        run(["deployment", "run", "notify/notify"], env)
        run(["worker", "start", "--pool", "yuqing", "--run-once"], env, timeout=90)

        runs = httpx.post(f"{api}/flow_runs/filter", json={}, timeout=10).json()
        assert [r["state_type"] for r in runs] == ["COMPLETED"], runs
        assert [r.json()["dedupe_key"] for r in receiver.requests] == ["server-k1"]
        with session_scope() as session:
            assert [n.status for n in session.exec(select(Notification)).all()] == ["sent"]
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        receiver.stop()
