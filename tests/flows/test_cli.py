"""The flows' commands of `yuqing`, run through click as a user would."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner

from cli.main import main
from tests.flows.seed import counts, seed_posts
from tests.flows.test_outbox import enqueue, receiver, settings_env  # noqa: F401  (fixture)
from yuqing.clock import now


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_serve_schedules_every_flow_in_the_district_zone(monkeypatch):
    """`yuqing serve` runs the pipeline loop at the given tick and hands Prefect the other deployments
    of prefect.yaml, the reports at 08:00 in YUQING_TIMEZONE."""
    import flows.serve

    served, loops = [], []
    monkeypatch.setattr(flows.serve, "serve", lambda *deployments: served.extend(deployments))
    monkeypatch.setattr(flows.serve, "pipeline_loop", lambda stop, *, tick: loops.append(tick))
    settings_env(monkeypatch, timezone="Asia/Urumqi")
    run("serve", "--tick", "2")
    assert loops == [2.0]
    by_name = {d.name: d for d in served}
    assert sorted(by_name) == ["daily-brief", "notify", "sla-watch", "verify", "weekly-report"]
    assert by_name["verify"].schedules[0].schedule.interval == timedelta(seconds=900)
    daily, weekly = by_name["daily-brief"].schedules[0].schedule, by_name["weekly-report"].schedules[0].schedule
    assert (daily.cron, daily.timezone, weekly.cron, weekly.timezone) == (
        "0 8 * * *", "Asia/Urumqi", "0 8 * * 1", "Asia/Urumqi")
    assert by_name["weekly-report"].parameters == {"kind": "weekly"}


def test_verify_with_no_response_checks_nothing(db):
    assert run("verify").strip() == "0 response(s) found published, 0 not (yet)"


def test_a_fake_clock_is_announced(db, monkeypatch, caplog):
    import yuqing.clock

    assert "模拟时钟" not in run("sla-watch")
    monkeypatch.setattr(yuqing.clock, "_ANNOUNCED", set())  # logged once per process and fake time
    settings_env(monkeypatch, fake_now="2026-10-08T09:00")
    with caplog.at_level("WARNING", logger="yuqing.clock"):
        output = run("sla-watch")
    assert "【模拟时钟】当前时间固定为 2026-10-08 09:00 CST" in output
    assert any("YUQING_FAKE_NOW=2026-10-08T09:00" in r.getMessage() for r in caplog.records)


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
    assert "已重新排队" in run("notify", "--requeue", str(row.id))
    run("notify")
    assert [r.json()["dedupe_key"] for r in receiver.requests] == ["dead-1"]
    assert f"#{row.id} " not in run("notify", "--dead-letters")


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
