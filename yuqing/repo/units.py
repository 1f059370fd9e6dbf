"""Units (offices and departments) of the region profile."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlmodel import Session, select

from yuqing.models import Unit


def sync_units(session: Session, *, units: Iterable) -> int:
    """Insert or update the profile's units (UnitSpec objects); returns how many were written."""
    count = 0
    existing = {u.code: u for u in session.exec(select(Unit)).all()}
    for spec in units:
        row = existing.get(spec.code) or Unit(code=spec.code, name=spec.name, kind=spec.kind)
        row.name, row.kind, row.parent_code = spec.name, spec.kind, spec.parent
        row.jurisdiction, row.topics, row.contacts = list(spec.jurisdiction), list(spec.topics), dict(spec.contacts)
        row.added, row.active = spec.added, spec.active
        session.add(row)
        count += 1
    session.flush()
    return count


def list_units(session: Session, *, active_only: bool = True) -> Sequence[Unit]:
    statement = select(Unit).order_by(Unit.kind, Unit.code)
    if active_only:
        statement = statement.where(Unit.active == True)  # noqa: E712
    return session.exec(statement).all()


def unit_names(session: Session) -> dict[str, str]:
    return {code: name for code, name in session.exec(select(Unit.code, Unit.name)).all()}
