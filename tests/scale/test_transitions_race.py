"""Two real processes change the same assignments at the same moment: for every assignment exactly
one wins, the other gets IllegalTransition (or, repeating the same sign-for, a no-op), and the audit
log holds exactly one event per change."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func
from sqlmodel import select

from tests.scale.procs import race, spawn
from yuqing.db import session_scope
from yuqing.models import Assignment, Event, Issue

N = 25


def make_assignments(n: int, status: str = "notified") -> list[int]:
    with session_scope() as session:
        ids = []
        for index in range(n):
            issue = Issue(title=f"并发测试事件 {index}", summary="开元街道某小区电梯停运三天无人维修", status="assigned")
            session.add(issue)
            session.flush()
            assignment = Assignment(issue_id=issue.id, unit_code="kaiyuan", role="lead", rule_id="test",
                                    status=status)
            session.add(assignment)
            session.flush()
            ids.append(assignment.id)
        return ids


def events_by_assignment(kind: str) -> Counter:
    with session_scope() as session:
        rows = session.exec(select(Event.assignment_id, func.count()).where(Event.kind == kind)
                            .group_by(Event.assignment_id)).all()
    return Counter(dict(rows))


def statuses(ids: list[int]) -> dict[int, str]:
    with session_scope() as session:
        return dict(session.exec(select(Assignment.id, Assignment.status).where(Assignment.id.in_(ids))).all())


def outcomes_per_id(*results: list[dict]) -> dict[int, list[str]]:
    per_id: dict[int, list[str]] = {}
    for lines in results:
        for line in lines:
            per_id.setdefault(line["id"], []).append(line["outcome"])
    return per_id


@pytest.mark.slow
def test_two_processes_acknowledge_the_same_assignments_once(any_db):
    ids = make_assignments(N)
    argv = ("transitions", "ack", ",".join(map(str, ids)))
    first, second = race(spawn(*argv), spawn(*argv))
    per_id = outcomes_per_id(first, second)
    assert set(per_id) == set(ids)
    errors = [o for outs in per_id.values() for o in outs if o.startswith("error")]
    assert not errors, errors[:5]
    for assignment_id, outs in per_id.items():
        # the loser either finds the sign-for already recorded (a repeat: a no-op) or is refused
        assert sorted(outs) in (["illegal", "ok"], ["ok", "ok"]), (assignment_id, outs)
    assert events_by_assignment("acknowledged") == Counter({i: 1 for i in ids})
    assert set(statuses(ids).values()) == {"acknowledged"}


@pytest.mark.slow
def test_respond_and_return_at_once_one_wins_with_one_event(any_db):
    ids = make_assignments(N, status="acknowledged")
    joined = ",".join(map(str, ids))
    responder, returner = race(spawn("transitions", "respond", joined), spawn("transitions", "return", joined))
    per_id = outcomes_per_id(responder, returner)
    errors = [o for outs in per_id.values() for o in outs if o.startswith("error")]
    assert not errors, errors[:5]
    responded = {line["id"] for line in responder if line["outcome"] == "ok"}
    returned = {line["id"] for line in returner if line["outcome"] == "ok"}
    assert responded.isdisjoint(returned) and responded | returned == set(ids)
    final = statuses(ids)
    assert {i for i, s in final.items() if s == "responded"} == responded
    assert {i for i, s in final.items() if s == "returned"} == returned
    assert events_by_assignment("responded") == Counter({i: 1 for i in responded})
    assert events_by_assignment("returned") == Counter({i: 1 for i in returned})
    with session_scope() as session:
        # a returned lead sends its issue back to routing; a responded one must not have been touched by it
        for assignment in session.exec(select(Assignment).where(Assignment.id.in_(ids))).all():
            issue = session.get(Issue, assignment.issue_id)
            assert (issue.status == "new") == (assignment.status == "returned"), (assignment.id, issue.status)


@pytest.mark.slow
def test_two_leads_responding_at_once_move_their_issue_exactly_once(any_db):
    # each issue has two lead units; each process answers for one of them at the same moment.
    # Reading the other lead's status without a lock on the issue would leave the issue "assigned"
    # with both leads responded (each saw the other still working).
    firsts, seconds = [], []
    with session_scope() as session:
        for index in range(N):
            issue = Issue(title=f"两个牵头单位 {index}", summary="跨街道道路积水", status="assigned")
            session.add(issue)
            session.flush()
            for unit, bucket in (("kaiyuan", firsts), ("lizhong", seconds)):
                assignment = Assignment(issue_id=issue.id, unit_code=unit, role="lead", rule_id="test",
                                        status="acknowledged")
                session.add(assignment)
                session.flush()
                bucket.append(assignment.id)
    one, two = race(spawn("transitions", "respond", ",".join(map(str, firsts))),
                    spawn("transitions", "respond", ",".join(map(str, seconds))))
    assert {line["outcome"] for line in one + two} == {"ok"}, [line for line in one + two if line["outcome"] != "ok"][:5]
    with session_scope() as session:
        issue_statuses = Counter(session.exec(select(Issue.status)).all())
        moved = Counter(session.exec(select(Event.issue_id).where(Event.kind == "edited",
                                                                   Event.to_state == "responded")).all())
    assert issue_statuses == Counter({"responded": N})
    assert sorted(moved.values()) == [1] * N
