"""The append-only audit log: every change with actor and time, and an issue's timeline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, or_, select

from yuqing.clock import now
from yuqing.models import Assignment, Event
from yuqing.repo.access import Viewer
from yuqing.repo.issues import get_issue


def record_event(
    session: Session,
    *,
    actor: str,
    kind: str,
    issue_id: int | None = None,
    assignment_id: int | None = None,
    unit_code: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    note: str | None = None,
    data: dict | None = None,
    at: datetime | None = None,
    dedupe_key: str | None = None,
) -> Event:
    event = Event(
        actor=actor, kind=kind, issue_id=issue_id, assignment_id=assignment_id, unit_code=unit_code,
        from_state=from_state, to_state=to_state, note=note, data=data, at=at or now(), dedupe_key=dedupe_key,
    )
    session.add(event)
    session.flush()
    return event


def event_key_used(session: Session, *, dedupe_key: str) -> bool:
    return session.exec(select(Event.id).where(Event.dedupe_key == dedupe_key)).first() is not None


def latest_event(session: Session, *, issue_id: int, actor: str, kind: str,
                 assignment_id: int | None = None) -> Event | None:
    """The newest event of this kind by this actor on the issue (and assignment): the lifecycle's
    double-submit check."""
    statement = select(Event).where(Event.issue_id == issue_id, Event.actor == actor, Event.kind == kind)
    if assignment_id is not None:
        statement = statement.where(Event.assignment_id == assignment_id)
    return session.exec(statement.order_by(col(Event.id).desc()).limit(1)).first()


def timeline(session: Session, *, viewer: Viewer, issue_id: int) -> Sequence[Event]:
    get_issue(session, viewer=viewer, issue_id=issue_id)
    statement = select(Event).where(Event.issue_id == issue_id)
    if viewer.role == "unit":
        # a unit sees the issue-level events and those of its own assignments, not other units' work:
        # an event tied to another unit's assignment stays hidden even when it names no unit (the
        # notification sent to the partner unit carries only its assignment)
        own = select(Assignment.id).where(Assignment.issue_id == issue_id, Assignment.unit_code == viewer.unit_code)
        statement = statement.where(
            or_(Event.unit_code == None, Event.unit_code == viewer.unit_code),  # noqa: E711
            or_(Event.assignment_id == None, col(Event.assignment_id).in_(own)))  # noqa: E711
        return [_without_routing_reason(e) for e in session.exec(statement.order_by(Event.at, Event.id)).all()]
    return session.exec(statement.order_by(Event.at, Event.id)).all()


def _without_routing_reason(event: Event) -> Event:
    """The issue-level routing event says which units lead and why (由区人社局负责): a unit sees that
    the issue was routed, not to whom else. A detached copy, so the stored row is never touched."""
    if event.assignment_id is not None or not (event.data or {}).get("rule"):
        return event
    return Event(**{**event.model_dump(), "note": None, "data": None})


def issue_gantt(session: Session, *, viewer: Viewer, issue_id: int, at: datetime | None = None) -> list[dict]:
    """Bars of an issue's timeline, replayed from its audit log: per unit 交办→签收→答复→办结 (or 退回),
    open bars running to `at`. Events the viewer may not see (another unit's) are not used."""
    moment = at or now()
    events = timeline(session, viewer=viewer, issue_id=issue_id)
    stages = {"routed": "待签收", "reassigned": "待签收", "acknowledged": "办理中", "progress": "办理中",
              "responded": "已答复", "closed": "已办结", "returned": "已退回"}
    bars: list[dict] = []
    current: dict[str, dict] = {}
    first = events[0].at if events else None
    if first is not None:
        bars.append({"lane": "事件", "stage": "监测", "start": first, "end": first, "open": False})
    for event in events:
        if not event.unit_code or event.kind not in stages:
            continue
        stage = stages[event.kind]
        bar = current.get(event.unit_code)
        if bar and bar["stage"] == stage:
            continue
        if bar:
            bar["end"], bar["open"] = event.at, False
        if event.kind in ("closed", "returned"):
            bars.append({"lane": event.unit_code, "stage": stage, "start": event.at, "end": event.at, "open": False})
            current.pop(event.unit_code, None)
            continue
        current[event.unit_code] = {"lane": event.unit_code, "stage": stage, "start": event.at, "end": moment,
                                    "open": True}
        bars.append(current[event.unit_code])
    return bars
