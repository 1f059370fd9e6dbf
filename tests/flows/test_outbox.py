"""The outbox against real local receivers: aiosmtpd and an HTTP receiver that fails, hangs and recovers."""

import hashlib
import hmac
import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from flows.channels import WECOM_TEXT_LIMIT, Message, feishu_payload, truncate_utf8, wecom_payload
from flows.outbox import claim_due, deliver_due
from tests.servers import HttpReceiver, SmtpSink
from yuqing import repo
from yuqing.clock import now
from yuqing.db import session_scope
from yuqing.models import Event, Issue, Notification
from yuqing.settings import reset_settings_cache


@pytest.fixture
def receiver():
    server = HttpReceiver().start()
    yield server
    server.stop()


def settings_env(monkeypatch, **values):
    for key, value in values.items():
        monkeypatch.setenv(f"YUQING_{key.upper()}", str(value))
    reset_settings_cache()


def later(monkeypatch, minutes: float):
    """Move the product's clock forward (the fake clock every deadline and retry reads)."""
    settings_env(monkeypatch, fake_now=(now() + timedelta(minutes=minutes)).isoformat())


def enqueue(channel, target, key="k1", subject="【舆情交办】开元街道物业乱收费", body="请于24小时内签收", issue=True):
    with session_scope() as session:
        issue_id = None
        if issue:
            row = Issue(title="物业乱收费")
            session.add(row)
            session.flush()
            issue_id = row.id
        return repo.enqueue_notification(session, channel=channel, target=target, subject=subject, body=body,
                                         dedupe_key=key, issue_id=issue_id)


def rows():
    with session_scope() as session:
        return session.exec(select(Notification).order_by(Notification.id)).all()


def test_email_reaches_a_real_smtp_server_once(db, smtp):
    enqueue("email", "kaiyuan@example.invalid")
    assert enqueue("email", "kaiyuan@example.invalid", issue=False) is None  # same dedupe key: not queued twice
    assert deliver_due().sent == 1
    assert deliver_due().sent == 0
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["Subject"] == "【舆情交办】开元街道物业乱收费"
    assert "24小时" in mail.get_content()
    assert mail["X-Yuqing-Dedupe-Key"] == "k1" and mail["Message-ID"]
    (row,) = rows()
    assert row.status == "sent" and row.attempts == 1 and row.sent_at
    with session_scope() as session:
        assert session.exec(select(Event).where(Event.kind == "notified")).one().issue_id == row.issue_id


def test_smtp_down_then_back_retries_with_backoff(db, monkeypatch):
    sink = SmtpSink()
    settings_env(monkeypatch, smtp_port=sink.port, notify_timeout_seconds=2)
    enqueue("email", "a@example.invalid")
    report = deliver_due()
    assert report.failed == 1 and "SMTP" in report.errors[0]
    (row,) = rows()
    assert row.status == "failed" and row.next_attempt_at > now()
    assert deliver_due().failed == 0  # not due yet: back-off respected
    sink.start()
    try:
        later(monkeypatch, 1)
        assert deliver_due().sent == 1
    finally:
        sink.stop()
    (row,) = rows()
    assert row.status == "sent" and row.attempts == 2 and len(sink.messages) == 1


def test_dead_letter_after_max_attempts(db, monkeypatch, receiver):
    receiver.mode = "fail"
    settings_env(monkeypatch, notify_max_attempts=3)
    enqueue("webhook", receiver.url + "/hook")
    for minutes in (0, 10, 20):
        if minutes:
            later(monkeypatch, minutes)
        deliver_due()
    (row,) = rows()
    assert row.status == "dead" and row.attempts == 3 and "HTTP 500" in row.last_error
    later(monkeypatch, 600)
    assert deliver_due().sent == 0  # a dead letter waits for an admin


def test_signed_webhook_and_a_hanging_receiver(db, monkeypatch, receiver):
    settings_env(monkeypatch, webhook_secret="s3cret", notify_timeout_seconds=0.5)
    receiver.mode, receiver.hang_seconds = "hang", 2
    enqueue("webhook", receiver.url + "/hook")
    report = deliver_due()
    assert report.failed == 1 and "Timeout" in report.errors[0]
    receiver.mode = "ok"
    later(monkeypatch, 5)
    assert deliver_due().sent == 1
    request = receiver.requests[-1]
    expected = hmac.new(b"s3cret", request.headers["X-Yuqing-Timestamp"].encode() + b"." + request.body,
                        hashlib.sha256).hexdigest()
    assert request.headers["X-Yuqing-Signature"] == f"sha256={expected}"
    assert request.headers["Idempotency-Key"] == "k1"
    assert request.json()["subject"].startswith("【舆情交办】")


@pytest.mark.parametrize(("channel", "check"), [
    ("wecom", lambda body: body["msgtype"] == "text" and "物业" in body["text"]["content"]),
    ("dingtalk", lambda body: body["msgtype"] == "text" and "物业" in body["text"]["content"]),
    ("feishu", lambda body: body["msg_type"] == "text" and "物业" in body["content"]["text"]),
])
def test_group_robots_get_their_own_json_format(db, receiver, channel, check):
    enqueue(channel, receiver.url + "/robot/send?key=abc")
    assert deliver_due().sent == 1
    assert check(receiver.requests[-1].json())


def test_a_robot_that_refuses_is_a_failure_not_a_success(db, receiver):
    receiver.mode = "robot_error"
    enqueue("wecom", receiver.url + "/robot")
    report = deliver_due()
    assert report.failed == 1 and "93000" in report.errors[0]


def test_targets_from_the_environment_keep_keys_out_of_the_database(db, monkeypatch, receiver):
    monkeypatch.setenv("KAIYUAN_WECOM_URL", receiver.url + "/robot?key=secret-key")
    enqueue("wecom", "env:KAIYUAN_WECOM_URL")
    assert deliver_due().sent == 1
    assert receiver.requests[-1].path.endswith("key=secret-key")
    with session_scope() as session:
        notes = " ".join(e.note or "" for e in session.exec(select(Event)).all())
    assert "secret-key" not in notes and "secret-key" not in rows()[0].target


def test_sms_without_a_gateway_is_a_clear_failure(db):
    enqueue("sms", "13800000000")
    assert "SMS gateway" in deliver_due().errors[0]


def test_payloads_respect_the_receivers_size_limits():
    long = Message(channel="wecom", target="x", subject="标题", body="长" * 5000, dedupe_key="k")
    content = wecom_payload(long)["text"]["content"]
    assert len(content.encode("utf-8")) <= WECOM_TEXT_LIMIT and content.endswith("…")
    import json

    assert len(json.dumps(feishu_payload(Message("feishu", "x", "t", "长" * 20000, "k"), "sec", 1), ensure_ascii=False)
               .encode()) <= 20 * 1024
    assert truncate_utf8("ab长", 3, marker="") == "ab"


def test_two_workers_never_claim_the_same_row(any_db):
    for index in range(40):
        enqueue("email", f"u{index}@example.invalid", key=f"k{index}", issue=False)
    claims: dict[str, list[int]] = {}

    def work(name):
        claims[name] = claim_due(worker=name, limit=40)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first, second = claims["w0"], claims["w1"]
    assert not set(first) & set(second)
    assert len(first) + len(second) == 40


def test_an_expired_lease_is_claimed_again(any_db, monkeypatch):
    enqueue("email", "a@example.invalid", issue=False)
    assert claim_due(worker="crashed") != []
    assert claim_due(worker="other") == []
    later(monkeypatch, 10)
    assert claim_due(worker="other") != []


def test_rows_claimed_by_a_dead_worker_are_released_at_once(any_db):
    import subprocess
    import sys

    enqueue("email", "a@example.invalid", issue=False)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    import socket

    dead = f"{socket.gethostname()}:{int(gone.stdout)}"
    assert claim_due(worker=dead) != []
    assert claim_due(worker="alive-elsewhere") != []  # its process is gone: no need to wait for the lease
