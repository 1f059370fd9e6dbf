"""The notification outbox: queueing a message once, the claims of sending workers, the admins' view."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, update
from sqlmodel import Session, col, select

from yuqing.errors import AccessDenied
from yuqing.models import Notification
from yuqing.repo.access import Viewer


def enqueue_notification(
    session: Session,
    *,
    channel: str,
    target: str,
    subject: str,
    body: str,
    dedupe_key: str,
    issue_id: int | None = None,
    assignment_id: int | None = None,
) -> Notification | None:
    """Queue a message once: a second call with the same dedupe key is a no-op (returns None)."""
    if session.exec(select(Notification.id).where(Notification.dedupe_key == dedupe_key)).first() is not None:
        return None
    notification = Notification(
        channel=channel, target=target, subject=subject, body=body, dedupe_key=dedupe_key,
        issue_id=issue_id, assignment_id=assignment_id,
    )
    session.add(notification)
    session.flush()
    return notification


def _claimable(moment: datetime):
    """Due for sending: queued or failed and past its back-off, or claimed by a worker whose lease ran out."""
    return or_(
        and_(col(Notification.status).in_(("queued", "failed")), Notification.next_attempt_at <= moment),
        and_(Notification.status == "sending", Notification.claimed_until < moment),
    )


def claim_notifications(session: Session, *, worker: str, at: datetime, until: datetime, limit: int = 50) -> list[int]:
    """Claim up to `limit` due notifications for `worker` until `until`, oldest due first; returns their
    ids. Each claim is a conditional UPDATE, so two workers never both get a row."""
    candidates = session.exec(
        select(Notification.id).where(_claimable(at)).order_by(Notification.next_attempt_at).limit(limit)
    ).all()
    claimed = []
    for notification_id in candidates:
        result = session.execute(
            update(Notification).where(Notification.id == notification_id, _claimable(at))
            .values(status="sending", claimed_by=worker, claimed_until=until)
        )
        if result.rowcount == 1:
            claimed.append(notification_id)
    return claimed


def local_claimants(session: Session, *, at: datetime) -> list[str]:
    """Workers that hold an unexpired lease on some notification right now."""
    return list(session.exec(
        select(Notification.claimed_by).where(Notification.status == "sending", Notification.claimed_until >= at,
                                              Notification.claimed_by != None).distinct()  # noqa: E711
    ).all())


def release_claims_of(session: Session, *, worker: str, at: datetime) -> int:
    """A worker known to be dead: its claimed rows become due again at once (it may have sent some;
    at-least-once, the receiver drops the repeat by dedupe key)."""
    result = session.execute(
        update(Notification).where(Notification.status == "sending", Notification.claimed_by == worker)
        .values(status="failed", claimed_by=None, claimed_until=None, next_attempt_at=at)
    )
    return result.rowcount


def list_notifications(session: Session, *, status: Sequence[str] | None = None, limit: int = 200) -> Sequence[Notification]:
    statement = select(Notification)
    if status:
        statement = statement.where(col(Notification.status).in_(status))
    return session.exec(statement.order_by(col(Notification.id).desc()).limit(limit)).all()


def dead_letters(session: Session, *, viewer: Viewer, limit: int = 200) -> Sequence[Notification]:
    if viewer.role != "admin":
        raise AccessDenied(f"用户 {viewer.username} 无权查看通知队列")
    return list_notifications(session, status=["dead"], limit=limit)


def notification_counts(session: Session, *, viewer: Viewer) -> dict[str, int]:
    if viewer.role not in ("admin", "supervisor"):
        raise AccessDenied(f"用户 {viewer.username} 无权查看通知队列")
    return {s: int(n) for s, n in session.exec(select(Notification.status, func.count()).group_by(Notification.status)).all()}
