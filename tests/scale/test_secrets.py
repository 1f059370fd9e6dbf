"""No secrets in the repository or in the logs. The repository scan reads every tracked file for
private keys, cloud/chat tokens, robot webhook keys and passwords inside URLs; the log check
delivers real notifications (success, HTTP failure, timeout, refused connection) to local
receivers with a robot token and signing secrets set, and looks for them in every log record and
in what the outbox stores."""

from __future__ import annotations

import logging
import re
import subprocess

import pytest
from sqlmodel import select

from tests.conftest import PROJECT_ROOT
from tests.servers import HttpReceiver
from yuqing import repo
from yuqing.db import session_scope
from yuqing.models import Notification
from yuqing.settings import reset_settings_cache

PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "DingTalk robot token": re.compile(r"oapi\.dingtalk\.com/robot/send\?access_token=[0-9a-f]{32,}"),
    "WeCom robot key": re.compile(r"qyapi\.weixin\.qq\.com/cgi-bin/webhook/send\?key=[0-9a-f-]{30,}"),
    "Feishu robot hook": re.compile(r"open\.feishu\.cn/open-apis/bot/v2/hook/[0-9a-f-]{30,}"),
    "password in a URL": re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:([^/\s@'\"]{3,})@"),
}
PLACEHOLDERS = re.compile(r"^(\{?[A-Za-z_]*\}?|\*+|x+|\.\.\.|<[^>]*>|\$\{?[A-Z_]+\}?|password|pass|secret|changeme)$",
                          re.IGNORECASE)


def tracked_text_files():
    names = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True).stdout
    for name in names.decode().split("\0"):
        path = PROJECT_ROOT / name
        if not name or not path.is_file() or path.stat().st_size > 5_000_000:
            continue
        try:
            yield name, path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary (models, gzip); a key would be text


def test_no_secret_is_tracked_in_the_repository():
    findings = []
    for name, text in tracked_text_files():
        for what, pattern in PATTERNS.items():
            for match in pattern.finditer(text):
                if what == "password in a URL" and PLACEHOLDERS.match(match.group(1)):
                    continue
                findings.append(f"{name}: {what}: {match.group(0)[:60]}")
    assert not findings, "\n".join(findings)
    assert ".env" in (PROJECT_ROOT / ".gitignore").read_text(encoding="utf-8").split()


TOKEN = "a3f1c9e2b7d84f60a3f1c9e2b7d84f60a3f1c9e2b7d84f60a3f1c9e2b7d84f60"
SECRETS = {"YUQING_DINGTALK_SECRET": "SECd1n6t4lk5ecr3tv4lue", "YUQING_FEISHU_SECRET": "fe15hu5ecr3tv4lue",
           "YUQING_WEBHOOK_SECRET": "w3bh00k5ecr3tv4lue"}


@pytest.mark.parametrize("mode", ["ok", "fail", "hang", "refused"])
def test_deliveries_never_log_or_store_tokens_and_secrets(db, caplog, monkeypatch, mode):
    from flows.outbox import deliver_due

    receiver = HttpReceiver(mode="ok" if mode == "refused" else mode, hang_seconds=3).start()
    url = f"{receiver.url}/robot/send?access_token={TOKEN}"
    if mode == "refused":
        receiver.stop()
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DINGTALK_ROBOT_URL", url)  # how a deployment keeps a robot's token out of the database
    monkeypatch.setenv("YUQING_NOTIFY_TIMEOUT_SECONDS", "1")
    reset_settings_cache()
    with session_scope() as session:
        for channel, target in (("dingtalk", "env:DINGTALK_ROBOT_URL"), ("feishu", url), ("webhook", url),
                                ("wecom", url)):
            repo.enqueue_notification(session, channel=channel, target=target, subject="【舆情交办】测试",
                                      body="开元街道某小区电梯停运", dedupe_key=f"secret-test:{channel}")
    caplog.set_level(logging.DEBUG)
    try:
        report = deliver_due()
    finally:
        receiver.stop()
    with session_scope() as session:
        rows = session.exec(select(Notification)).all()
        stored_errors = " ".join(r.last_error or "" for r in rows)
        assert {r.status for r in rows} == ({"sent"} if mode == "ok" else {"failed"}), report.describe()
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    for secret in (TOKEN, *SECRETS.values()):
        assert secret not in logged, f"{mode}: a secret reached the log"
        assert secret not in stored_errors, f"{mode}: a secret was stored in last_error: {stored_errors[:300]}"
