"""Every (status, action) pair of the assignment lifecycle, against the table of DESIGN.md §4 written
out here by hand: legal moves write exactly one audit event with actor, time, from and to; the same
action repeated (a double click) is a no-op; illegal jumps are refused and leave no trace."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from tests.kernel.test_lifecycle import lead_of, make_routed_issue
from yuqing import lifecycle
from yuqing.db import session_scope
from yuqing.errors import IllegalTransition
from yuqing.models import Assignment, AssignmentStatus, Event
from yuqing.repo import Viewer

ANALYST = Viewer("ana", "analyst")
ACTIONS = {
    "acknowledge": ("acknowledged", lambda s, a: lifecycle.acknowledge(s, viewer=ANALYST, assignment_id=a)),
    "progress": ("responding", lambda s, a: lifecycle.report_progress(s, viewer=ANALYST, assignment_id=a, note="已现场核查")),
    "respond": ("responded", lambda s, a: lifecycle.respond(s, viewer=ANALYST, assignment_id=a, text="已整改",
                                                            url="https://gov.example/r/9")),
    "return": ("returned", lambda s, a: lifecycle.return_assignment(s, viewer=ANALYST, assignment_id=a, reason="非本单位职责")),
    "close": ("closed", lambda s, a: lifecycle.close(s, viewer=ANALYST, assignment_id=a)),
}
# notified → acknowledged (签收) → responding → responded → closed; returned (退回) before responding;
# a responded item may be reopened with further progress (critical issues: keep publishing)
ALLOWED = {
    "notified": {"acknowledge", "return"},
    "acknowledged": {"progress", "respond", "return"},
    "responding": {"progress", "respond", "return"},
    "responded": {"progress", "close"},
    "closed": set(),
    "returned": set(),
}


def test_the_table_covers_every_status():
    assert set(ALLOWED) == set(AssignmentStatus)


@pytest.mark.parametrize("status", sorted(ALLOWED))
def test_every_action_from_every_status(db, licheng, status):
    for action, (target, perform) in ACTIONS.items():
        lead = lead_of(make_routed_issue(licheng))
        with session_scope() as session:
            row = session.get(Assignment, lead.id)
            row.status = status
            session.add(row)
        with session_scope() as session:
            before = session.exec(select(func.count()).select_from(Event)).one()
        if action in ALLOWED[status]:
            with session_scope() as session:
                perform(session, lead.id)
            with session_scope() as session:
                assert session.get(Assignment, lead.id).status == target
                event = session.exec(select(Event).where(Event.assignment_id == lead.id).order_by(Event.id.desc())).first()
                assert (event.actor, event.from_state, event.to_state) == ("ana", status, target), action
                assert event.at is not None
        elif target == status:
            # the same action again: a no-op when it repeats the recorded one (a double click, see
            # tests/dashboard/test_actions.py), refused otherwise; either way nothing changes or is written
            try:
                with session_scope() as session:
                    perform(session, lead.id)
            except IllegalTransition:
                pass
            with session_scope() as session:
                assert session.get(Assignment, lead.id).status == status, action
                assert session.exec(select(func.count()).select_from(Event)).one() == before, action
        else:
            with session_scope() as session, pytest.raises(IllegalTransition):
                perform(session, lead.id)
            with session_scope() as session:
                assert session.get(Assignment, lead.id).status == status, action
                assert session.exec(select(func.count()).select_from(Event)).one() == before, action
