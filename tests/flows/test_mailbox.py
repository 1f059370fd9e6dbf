"""The demo's local mailbox files each alert the outbox delivers to it as an .eml file."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default as default_policy

from flows.demo import LocalMailbox
from flows.outbox import deliver_due
from yuqing import repo
from yuqing.db import session_scope
from yuqing.settings import reset_settings_cache


def test_alerts_delivered_to_the_local_mailbox_are_filed(db, tmp_path, monkeypatch):
    mailbox = LocalMailbox(tmp_path / "mailbox").start()
    try:
        monkeypatch.setenv("YUQING_SMTP_PORT", str(mailbox.port))
        reset_settings_cache()
        with session_scope() as session:
            for n in (1, 2):
                repo.enqueue_notification(session, channel="email", target="kaiyuan@example.invalid",
                                          subject=f"【舆情交办】演示 {n}", body="请签收。", dedupe_key=f"mailbox-{n}")
        deliver_due()
        assert mailbox.received() == 2
    finally:
        mailbox.stop()
    subjects = sorted(message_from_bytes(path.read_bytes(), policy=default_policy)["Subject"]
                      for path in (tmp_path / "mailbox").glob("*.eml"))
    assert subjects == ["【舆情交办】演示 1", "【舆情交办】演示 2"]
