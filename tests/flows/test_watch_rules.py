"""预警 rules drilled on the fake clock: each kind fires once per episode (or once per post), goes
through the outbox to the analysts and the rule's units, is audited, stays open until acknowledged,
and two worker processes evaluating at once never fire it twice."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlmodel import select

from flows import watch
from flows.watch_rules import evaluate_rules, save, validate
from tests.conftest import PROJECT_ROOT
from yuqing import repo
from yuqing.authors import author_hash
from yuqing.db import session_scope
from yuqing.errors import BadInput
from yuqing.models import Analysis, Event, Notification, Post, Source, WatchAlert
from yuqing.repo import Viewer
from yuqing.settings import reset_settings_cache

START = datetime(2026, 10, 8, 1, 0, tzinfo=UTC)
_SEQ = iter(range(1, 10**6))


def at(monkeypatch, minutes: float) -> datetime:
    moment = START + timedelta(minutes=minutes)
    monkeypatch.setenv("YUQING_FAKE_NOW", moment.isoformat())
    reset_settings_cache()
    return moment


def add_posts(n: int, *, minutes: float, text: str = "江南街道噪音扰民", sentiment: str = "neutral",
              likes: int = 0, author: str | None = None, source: str = "board") -> list[int]:
    """n analysed posts fetched at START + minutes, matched at ingest like the analyse stage does."""
    ids = []
    with session_scope() as session:
        src = session.exec(select(Source).where(Source.name == source)).first()
        if src is None:
            src = Source(name=source, kind="board", url=f"http://127.0.0.1/{source}")
            session.add(src)
            session.flush()
        pairs = []
        for _ in range(n):
            seq = next(_SEQ)
            post = Post(source_id=src.id, url=f"http://127.0.0.1/p/{seq}", title=text[:20], text=text,
                        content_hash=f"h{seq}", fetched_at=START + timedelta(minutes=minutes), likes=likes,
                        author_hash=author_hash(source, author) if author else None,
                        analyzed_at=START + timedelta(minutes=minutes))
            session.add(post)
            session.flush()
            analysis = Analysis(post_id=post.id, model_version="t", sentiment=sentiment, places=["江南街道"],
                                jurisdiction="jiangnan")
            session.add(analysis)
            pairs.append((post, analysis))
            ids.append(post.id)
        session.flush()
        watch.match_at_ingest(session, pairs=pairs)
    return ids


def acknowledge_the_one_open_alert(*, note: str) -> WatchAlert:
    """The analyst acknowledges the only open alert; afterwards none is open."""
    analyst = Viewer(username="ana", role="analyst")
    with session_scope() as session:
        [open_one] = repo.open_alerts(session, viewer=analyst)
        repo.acknowledge_alert(session, viewer=analyst, alert_id=open_one.id, note=note)
    with session_scope() as session:
        assert repo.open_alerts(session, viewer=analyst) == []
    return open_one


def alerts() -> list[WatchAlert]:
    with session_scope() as session:
        return list(session.exec(select(WatchAlert).order_by(WatchAlert.id)).all())


def test_volume_fires_once_per_episode_and_again_after_it_ends(db, licheng, monkeypatch):
    watch.create(name="江南", query="江南街道 AND 噪音")
    save(name="江南声量", kind="volume", scheme="江南", params={"window_minutes": 60, "threshold": 5},
         level="橙", units=["jiangnan"], profile=licheng)
    add_posts(5, minutes=0)
    at(monkeypatch, 10)
    assert evaluate_rules(profile=licheng).fired == []  # 5 is not above 5
    add_posts(2, minutes=20)
    at(monkeypatch, 30)
    fired = evaluate_rules(profile=licheng).fired
    assert len(fired) == 1
    at(monkeypatch, 40)
    assert evaluate_rules(profile=licheng).fired == []  # the same episode: said once
    at(monkeypatch, 100)  # the window has emptied: the episode ends
    report = evaluate_rules(profile=licheng)
    assert report.fired == [] and report.ended == 1
    add_posts(6, minutes=110)
    at(monkeypatch, 115)
    assert len(evaluate_rules(profile=licheng).fired) == 1  # a new episode
    first = alerts()[0]
    assert first.level == "orange" and "声量 7 条" in first.title and first.ended_at is not None
    with session_scope() as session:
        mail = session.exec(select(Notification).where(Notification.dedupe_key.like("watch:%"))).all()
        events = session.exec(select(Event).where(Event.kind == "alerted")).all()
    # the analysts (propaganda unit) and the rule's unit, one message each per episode
    targets = sorted(n.target for n in mail if n.dedupe_key.startswith(f"watch:{first.episode_key}:"))
    assert targets == sorted([licheng.units["propaganda"].contacts["email"], licheng.units["jiangnan"].contacts["email"]])
    assert all("橙色" in n.subject for n in mail)
    assert len(events) == 2 and events[0].issue_id is None and events[0].data["alert_id"] == first.id


def test_surge_against_its_own_baseline(db, licheng, monkeypatch):
    save(name="全网激增", kind="surge", params={"window_minutes": 60, "factor": 3, "baseline_windows": 4,
                                             "min_count": 4}, level="red", profile=licheng)
    for hour in range(4):  # a baseline of 2 posts an hour
        add_posts(2, minutes=hour * 60 + 5)
    add_posts(6, minutes=250)
    at(monkeypatch, 255)
    assert evaluate_rules(profile=licheng).fired == []  # 6 is not above 3 × 2
    add_posts(1, minutes=252)
    fired = evaluate_rules(profile=licheng).fired
    assert len(fired) == 1 and "基线" in alerts()[0].title and alerts()[0].level == "red"


def test_negative_share_needs_enough_posts(db, licheng, monkeypatch):
    save(name="负面", kind="negative", params={"window_minutes": 30, "share": 0.5, "min_posts": 6},
         level="黄", profile=licheng)
    add_posts(4, minutes=0, sentiment="negative")
    add_posts(1, minutes=0, sentiment="neutral")
    at(monkeypatch, 5)
    assert evaluate_rules(profile=licheng).fired == []  # 80 % but only 5 posts
    add_posts(1, minutes=6, sentiment="positive")
    at(monkeypatch, 10)
    assert len(evaluate_rules(profile=licheng).fired) == 1
    assert "67%" in alerts()[0].title


def test_post_rules_fire_once_per_post(db, licheng, monkeypatch):
    save(name="高危词", kind="terms", params={"window_minutes": 60}, level="red", profile=licheng)
    save(name="传播量", kind="reach", params={"threshold": 1000}, level="orange", profile=licheng)
    save(name="关注账号", kind="author", params={"authors": ["board:老王"]}, level="yellow", profile=licheng)
    risky = add_posts(1, minutes=0, text="工地欠薪，工人准备到区政府聚集讨薪")
    loud = add_posts(1, minutes=0, text="公园新开了花展", likes=1500)
    watched = add_posts(1, minutes=0, text="今天天气不错", author="老王")
    add_posts(1, minutes=0, text="今天天气不错", author="老李")
    at(monkeypatch, 5)
    fired = evaluate_rules(profile=licheng).fired
    assert len(fired) == 3
    assert evaluate_rules(profile=licheng).fired == []
    by_rule = {a.data["post_id"]: a for a in alerts()}
    assert set(by_rule) == {risky[0], loud[0], watched[0]}
    assert "讨薪" in by_rule[risky[0]].title and "聚集" in by_rule[risky[0]].title


def test_alerts_stay_open_until_acknowledged(db, licheng, monkeypatch):
    save(name="高危词", kind="terms", params={}, level="red", profile=licheng)
    add_posts(1, minutes=0, text="有人扬言要跳楼")
    at(monkeypatch, 1)
    evaluate_rules(profile=licheng)
    open_one = acknowledge_the_one_open_alert(note="已核实")
    with session_scope() as session:
        ack = session.exec(select(Event).where(Event.kind == "acknowledged", Event.actor == "ana")).one()
        assert ack.data["alert_id"] == open_one.id
        with pytest.raises(Exception, match="无权"):
            repo.open_alerts(session, viewer=Viewer(username="u", role="unit", unit_code="kaiyuan"))


def evaluate_in_two_processes() -> int:
    """Two worker processes (each its own engine) evaluate every rule at the same moment; how many
    alerts they fired between them."""
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    workers = [subprocess.Popen([sys.executable, "-m", "tests.flows.watch_runner"], cwd=PROJECT_ROOT,
                                env=environment, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    try:
        for worker in workers:  # both connected before either starts (a warning may come first)
            said = []
            while not said or (said[-1] and said[-1].strip() != "ready"):  # "" is the end of its output
                said.append(worker.stdout.readline())
            assert said[-1].strip() == "ready", "".join(said) + worker.stdout.read()
        for worker in workers:
            worker.stdin.write("go\n")
            worker.stdin.flush()
        outputs = [worker.communicate(timeout=120)[0] for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    return sum(int(line.split()[1]) for out in outputs for line in out.splitlines() if line.startswith("fired "))


def one_message_per_alert() -> dict[str, int]:
    """episode key → how many outbox messages it has (the propaganda unit has one e-mail contact)."""
    with session_scope() as session:
        keys = session.exec(select(Notification.dedupe_key).where(Notification.dedupe_key.like("watch:%"))).all()
        events = session.exec(select(Event.dedupe_key).where(Event.kind == "alerted")).all()
    assert len(events) == len(set(events)) == len(alerts())
    return Counter(key.removeprefix("watch:").rsplit(":", 2)[0] for key in keys)


@pytest.mark.slow
def test_two_worker_processes_never_fire_the_same_episode_twice(db, licheng, monkeypatch):
    """On the suite's database (a SQLite file, or PostgreSQL with YUQING_TEST_DB=postgres)."""
    volume = save(name="声量", kind="volume", params={"window_minutes": 60, "threshold": 3}, profile=licheng)
    save(name="高危词", kind="terms", params={}, profile=licheng)
    add_posts(10, minutes=0, text="讨薪的工人在门口聚集")
    at(monkeypatch, 5)
    assert evaluate_in_two_processes() == 11  # 1 episode + 10 posts, whichever worker fired each
    assert len(alerts()) == 11
    assert one_message_per_alert() == {alert.episode_key: 1 for alert in alerts()}
    at(monkeypatch, 100)  # the window has emptied: the episode ends
    assert evaluate_rules(profile=licheng).ended == 1
    add_posts(5, minutes=110, text="讨薪的工人又来聚集")
    at(monkeypatch, 115)
    assert evaluate_in_two_processes() == 6  # the second episode + 5 posts
    episodes = [a.episode_key for a in alerts() if a.rule_id == volume.id]
    assert episodes == [f"rule:{volume.id}:episode:1", f"rule:{volume.id}:episode:2"]
    assert len(alerts()) == 17
    assert one_message_per_alert() == {alert.episode_key: 1 for alert in alerts()}


@pytest.mark.parametrize(("kind", "params", "message"), [
    ("volume", {}, "声量阈值"),
    ("volume", {"threshold": 5, "window_minutes": 1}, "时间窗口"),
    ("surge", {"factor": 1}, "倍数"),
    ("negative", {"share": 1.5}, "负面占比"),
    ("terms", {"terms": ["  "]}, "高危词表不能为空"),
    ("author", {"authors": ["老王"]}, "数据源名:账号名"),
    ("nonsense", {}, "未知的预警类型"),
])
def test_rules_are_validated_before_saving(licheng, kind, params, message):
    with pytest.raises(BadInput, match=message):
        validate(kind, params, profile=licheng)


def test_unknown_units_and_levels_are_refused(licheng):
    with pytest.raises(BadInput, match="预警级别"):
        validate("volume", {"threshold": 1}, level="紫", profile=licheng)
    with pytest.raises(BadInput, match="未知的单位"):
        validate("volume", {"threshold": 1}, units=["nowhere"], profile=licheng)


def test_rule_and_alert_commands(db, monkeypatch):
    from cli.main import main

    runner = CliRunner()
    added = runner.invoke(main, ["rule", "add", "高危", "--kind", "terms", "--terms", "跳楼,爆炸", "--level", "红"])
    assert added.exit_code == 0, added.output
    bad = runner.invoke(main, ["rule", "add", "坏", "--kind", "volume"])
    assert bad.exit_code == 2 and "声量阈值" in bad.output
    assert "高危" in runner.invoke(main, ["rule", "list"]).output
    add_posts(1, minutes=0, text="化工厂爆炸了")
    at(monkeypatch, 1)
    checked = runner.invoke(main, ["alert", "check"])
    assert checked.exit_code == 0 and "新触发 1 条" in checked.output
    listed = runner.invoke(main, ["alert", "list"])
    assert "爆炸" in listed.output and "红色" in listed.output
    alert_id = alerts()[0].id
    assert runner.invoke(main, ["alert", "ack", str(alert_id)]).exit_code == 0
    assert "没有未签收的预警" in runner.invoke(main, ["alert", "list"]).output
    assert runner.invoke(main, ["rule", "delete", "高危"]).exit_code == 0  # fired: kept, disabled
    assert "已停用" in runner.invoke(main, ["rule", "list"]).output


def test_an_alert_reaches_the_local_mailbox_and_is_acknowledged(db, licheng, monkeypatch, tmp_path):
    """The demo's path end to end: a scheme's stream crosses its rule, the 预警 goes through the
    outbox to the demo's local mailbox (an .eml per recipient), and the analyst acknowledges it."""
    from email import message_from_bytes
    from email.policy import default as default_policy

    from flows.demo import LocalMailbox
    from flows.outbox import deliver_due

    watch.create(name="江南噪音", query="江南街道 AND 噪音")
    save(name="江南噪音声量", kind="volume", scheme="江南噪音", params={"window_minutes": 60, "threshold": 2},
         level="red", units=["jiangnan"], profile=licheng)
    add_posts(3, minutes=0)
    at(monkeypatch, 5)
    assert len(evaluate_rules(profile=licheng).fired) == 1
    mailbox = LocalMailbox(tmp_path / "mailbox").start()
    try:
        monkeypatch.setenv("YUQING_SMTP_PORT", str(mailbox.port))
        reset_settings_cache()
        deliver_due()
        assert mailbox.received() == 2  # the analysts (propaganda unit) and the rule's unit
    finally:
        mailbox.stop()
    mails = [message_from_bytes(path.read_bytes(), policy=default_policy) for path in (tmp_path / "mailbox").glob("*.eml")]
    assert sorted(mail["To"] for mail in mails) == sorted(
        [licheng.units["propaganda"].contacts["email"], licheng.units["jiangnan"].contacts["email"]])
    assert all("红色" in mail["Subject"] and "江南噪音" in mail.get_body().get_content() for mail in mails)
    acknowledge_the_one_open_alert(note="已转交江南街道核实")
