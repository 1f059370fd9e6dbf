"""The outbox: claim due notifications, deliver them, retry with back-off, dead-letter after N.

Claiming is one conditional UPDATE per row (status and lease checked in the WHERE clause), so two
workers, on SQLite or PostgreSQL, never hold the same row at once. A worker that dies after
sending but before recording leaves its lease to expire; the row is then sent again — delivery is
at-least-once, and the dedupe key travels with the message so the receiver can drop the repeat.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import timedelta

from flows.channels import DeliveryError, Message, send
from flows.leases import is_dead_local_worker
from yuqing import repo
from yuqing.clock import now
from yuqing.db import session_scope
from yuqing.models import Notification
from yuqing.settings import get_settings

log = logging.getLogger(__name__)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_due(*, worker: str, limit: int = 50) -> list[int]:
    settings = get_settings()
    moment = now()
    with session_scope() as session:
        for holder in repo.local_claimants(session, at=moment):
            if is_dead_local_worker(holder):
                # killed after claiming: its rows need not wait for the lease to run out
                count = repo.release_claims_of(session, worker=holder, at=moment)
                log.warning("released %s notification(s) claimed by %s (process gone)", count, holder)
    with session_scope() as session:
        return repo.claim_notifications(session, worker=worker, at=moment, limit=limit,
                                        until=moment + timedelta(seconds=settings.notify_lease_seconds))


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return f"sent {self.sent}, failed {self.failed} (will retry), dead letters {self.dead}"


def deliver_due(*, worker: str | None = None, limit: int = 50, sender=send) -> DeliveryReport:
    """Deliver every due notification (each attempted once per call); returns what happened."""
    settings = get_settings()
    worker = worker or worker_name()
    report = DeliveryReport()
    # claim in batches until nothing is due: a failed row is not due again until its back-off,
    # so this ends; a batch at a time keeps a slow receiver from holding many leases at once
    while batch := claim_due(worker=worker, limit=limit):
        _deliver_batch(batch, worker=worker, sender=sender, settings=settings, report=report)
    return report


def _deliver_batch(ids: list[int], *, worker: str, sender, settings, report: DeliveryReport) -> None:
    for notification_id in ids:
        with session_scope() as session:
            row = session.get(Notification, notification_id)
            message = Message(channel=row.channel, target=row.target, subject=row.subject, body=row.body,
                              dedupe_key=row.dedupe_key, issue_id=row.issue_id, assignment_id=row.assignment_id)
        error = None
        try:
            sender(message, settings)
        except DeliveryError as exc:
            error = str(exc)
        except Exception as exc:  # a bug in one channel must not stop the others; it is recorded
            log.exception("notification %s: unexpected error", notification_id)
            error = f"{exc.__class__.__name__}: {exc}"
        _record(notification_id, worker=worker, error=error, report=report, max_attempts=settings.notify_max_attempts)


def _record(notification_id: int, *, worker: str, error: str | None, report: DeliveryReport, max_attempts: int) -> None:
    moment = now()
    with session_scope() as session:
        row = session.get(Notification, notification_id)
        if row.status != "sending" or row.claimed_by != worker:
            log.warning("notification %s: lease lost to %s; result not recorded", notification_id, row.claimed_by)
            return
        row.attempts += 1
        row.claimed_by, row.claimed_until = None, None
        if error is None:
            row.status, row.sent_at, row.last_error = "sent", moment, None
            report.sent += 1
            if row.issue_id:
                repo.record_event(session, actor="flow:notify", kind="notified", issue_id=row.issue_id,
                                  assignment_id=row.assignment_id, note=f"{row.channel} → {_redact(row.target)}",
                                  data={"notification_id": row.id, "dedupe_key": row.dedupe_key})
        elif row.attempts >= max_attempts:
            row.status, row.last_error = "dead", error[:2000]
            report.dead += 1
            report.errors.append(error)
            log.error("notification %s is a dead letter after %s attempts: %s", row.id, row.attempts, error)
        else:
            row.status, row.last_error = "failed", error[:2000]
            row.next_attempt_at = moment + backoff(row.attempts)
            report.failed += 1
            report.errors.append(error)
            log.warning("notification %s failed (attempt %s): %s", row.id, row.attempts, error)
        session.add(row)


def _redact(target: str) -> str:
    """Robot URLs carry their access key; the audit log keeps only where it went, not the key."""
    if target.startswith(("http://", "https://")):
        return target.split("?", 1)[0].rsplit("/", 1)[0] + "/…"
    return target


def requeue_dead(*, notification_id: int, actor: str) -> None:
    """An admin sends a dead letter again (after fixing the contact or the receiver)."""
    with session_scope() as session:
        row = session.get(Notification, notification_id)
        if row is None or row.status != "dead":
            from yuqing.errors import BadInput

            raise BadInput(f"notification {notification_id} is not a dead letter")
        row.status, row.attempts, row.next_attempt_at = "queued", 0, now()
        session.add(row)
        if row.issue_id:
            repo.record_event(session, actor=actor, kind="note", issue_id=row.issue_id, assignment_id=row.assignment_id,
                              note=f"死信 #{row.id}（{row.channel}）重新发送", data={"notification_id": row.id})
        log.info("%s re-queued dead notification %s", actor, notification_id)


def describe_dead_letters(limit: int = 200) -> str:
    """The dead letters an admin must look at: what, to whom, after how many attempts, and why."""
    with session_scope() as session:
        rows = repo.list_notifications(session, status=["dead"], limit=limit)
        if not rows:
            return "no dead letters"
        lines = [f"{len(rows)} dead letter(s):"]
        for row in rows:
            lines.append(f"#{row.id} {row.channel} → {_redact(row.target)} · {row.attempts} attempt(s) · "
                         f"{row.subject[:40]} · {(row.last_error or '')[:120]}")
        return "\n".join(lines)
