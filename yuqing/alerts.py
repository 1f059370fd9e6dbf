"""Who hears about what: turn a routing decision, a reminder, an escalation or a source-health
problem into outbox rows, one per contact channel of each recipient unit. Enqueueing is idempotent
by dedupe key. Kernel code, so the crawlers (source health) and the flows queue alerts the same way;
delivery itself is flows/channels.py and flows/outbox.py."""

from __future__ import annotations

from sqlmodel import Session

from yuqing import repo
from yuqing.profile import UnitSpec

# The delivery channels, in the order a unit's contacts are tried (flows/channels.py delivers them).
CHANNELS = ("email", "wecom", "dingtalk", "feishu", "webhook", "sms")
HEAD_PREFIX = "head_"  # contacts of the unit head: head_email, head_sms, … (督办 goes to them)


def unit_targets(unit: UnitSpec, *, head: bool = False) -> list[tuple[str, str]]:
    """(channel, target) pairs of a unit's contacts; with head=True, the unit head's instead."""
    targets = []
    for channel in CHANNELS:
        target = unit.contacts.get(f"{HEAD_PREFIX}{channel}" if head else channel)
        if target:
            targets.append((channel, target))
    return targets


def enqueue_alert(
    session: Session,
    *,
    units: list[UnitSpec],
    key: str,
    subject: str,
    body: str,
    issue_id: int | None,
    assignment_id: int | None,
    head: bool = False,
) -> int:
    """Queue one message per channel of every unit; returns how many were newly queued."""
    queued = 0
    for unit in units:
        for channel, target in unit_targets(unit, head=head):
            row = repo.enqueue_notification(
                session, channel=channel, target=target, subject=subject, body=body,
                dedupe_key=f"{key}:{unit.code}:{'head-' if head else ''}{channel}",
                issue_id=issue_id, assignment_id=assignment_id,
            )
            queued += row is not None
    return queued
