"""Stage leases: one worker at a time per pipeline stage, taken over when its holder is gone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, update
from sqlmodel import Session

from yuqing.models import StageLease


def acquire_stage_lease(session: Session, *, name: str, holder: str, until: datetime, at: datetime,
                        take_over: str | None = None) -> bool:
    """Hold stage `name` until `until` unless another holder's lease is still running; `take_over`
    names a holder known to be dead whose lease may be taken at once. One conditional UPDATE, so two
    workers asking at the same moment never both get it."""
    from sqlalchemy.exc import IntegrityError

    if session.get(StageLease, name) is None:
        try:
            with session.begin_nested():
                session.add(StageLease(name=name))
        except IntegrityError:
            pass  # another worker created the row first
    free = or_(StageLease.holder == None, StageLease.lease_until < at, StageLease.holder == holder)  # noqa: E711
    if take_over:
        free = or_(free, StageLease.holder == take_over)
    result = session.execute(
        update(StageLease).where(StageLease.name == name, free)
        .values(holder=holder, lease_until=until, last_started_at=at)
    )
    return result.rowcount == 1


def stage_holder(session: Session, *, name: str) -> str | None:
    row = session.get(StageLease, name)
    return row.holder if row is not None else None


def renew_stage_lease(session: Session, *, name: str, holder: str, until: datetime) -> bool:
    result = session.execute(
        update(StageLease).where(StageLease.name == name, StageLease.holder == holder).values(lease_until=until)
    )
    return result.rowcount == 1


def release_stage_lease(session: Session, *, name: str, holder: str, at: datetime, summary: str | None) -> None:
    """Give the stage back; with a summary the run counts as a success."""
    values: dict = {"holder": None, "lease_until": None}
    if summary is not None:
        values.update(last_success_at=at, last_summary=summary[:2000])
    session.execute(update(StageLease).where(StageLease.name == name, StageLease.holder == holder).values(**values))
