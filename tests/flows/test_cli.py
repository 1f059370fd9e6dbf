"""The flows' commands of `yuqing`, run through click as a user would."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner

from tests.flows.seed import counts, seed_posts
from tests.flows.test_outbox import enqueue, receiver, settings_env  # noqa: F401  (fixture)
from yuqing.cli import main
from yuqing.clock import now


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("command", ["route", "pipeline", "notify", "sla-watch", "verify", "report", "serve", "zombie-guard"])
def test_every_flows_command_explains_itself(command):
    assert len(run(command, "--help")) > 200


def test_route_then_notify_dead_letters_and_requeue(db, monkeypatch, receiver):  # noqa: F811
    seed_posts(4)
    from flows.stages import cluster_new_posts

    cluster_new_posts()
    assert "routed" in run("route")
    assert counts()["assignments"] > 0
    assert "routed 0 issue(s)" in run("route")  # a second run does nothing

    receiver.mode = "fail"
    settings_env(monkeypatch, notify_max_attempts=1, smtp_port=1)
    row = enqueue("webhook", receiver.url + "/hook", key="dead-1", issue=False)
    run("notify")
    listing = run("notify", "--dead-letters")
    assert f"#{row.id} webhook" in listing and "HTTP 500" in listing
    receiver.mode = "ok"
    assert "queued again" in run("notify", "--requeue", str(row.id))
    run("notify")
    assert [r.json()["dedupe_key"] for r in receiver.requests] == ["dead-1"]
    assert "#%d " % row.id not in run("notify", "--dead-letters")


def test_requeue_of_a_live_message_is_a_clear_error(db):
    row = enqueue("email", "a@example.invalid", issue=False)
    result = CliRunner().invoke(main, ["notify", "--requeue", str(row.id)])
    assert result.exit_code != 0 and "not a dead letter" in result.output


def test_sla_watch_and_report_commands(db, monkeypatch, tmp_path):
    assert run("sla-watch").startswith("0 reminder(s)")
    settings_env(monkeypatch, fake_now=(now() + timedelta(days=1)).isoformat())
    output = run("report", "--kind", "daily", "--out", str(tmp_path))
    assert output.count(str(tmp_path)) == 2 and ".docx" in output


@pytest.mark.prefect
def test_pipeline_command_without_crawling(db, prefect_harness):
    seed_posts(3)
    output = run("pipeline", "--no-crawl")
    assert "crawl skipped" in output and "3 new issue(s)" in output


def test_zombie_guard_refuses_a_silence_a_live_run_would_break():
    result = CliRunner().invoke(main, ["zombie-guard", "--silence", "30"])
    assert result.exit_code == 2 and "heartbeat interval" in result.output, result.output
