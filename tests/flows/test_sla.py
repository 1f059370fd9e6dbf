"""SLA watch on a fake clock: reminders at 50 % / 80 %, 督办 at the deadline, a second level later."""

from datetime import timedelta

from sqlmodel import select

from flows.sla import sla_watch
from tests.kernel.test_lifecycle import lead_of, make_routed_issue
from yuqing import lifecycle
from yuqing.clock import now
from yuqing.db import session_scope
from yuqing.models import Event, Notification
from yuqing.repo import Viewer
from yuqing.settings import reset_settings_cache


def at(monkeypatch, start, hours):
    monkeypatch.setenv("YUQING_FAKE_NOW", (start + timedelta(hours=hours)).isoformat())
    reset_settings_cache()


def events(kind):
    with session_scope() as session:
        return session.exec(select(Event).where(Event.kind == kind).order_by(Event.id)).all()


def targets(key_part):
    with session_scope() as session:
        return sorted(n.target for n in session.exec(select(Notification)).all() if key_part in n.dedupe_key)


def test_reminders_escalation_and_second_level(db, licheng, monkeypatch):
    start = now()
    at(monkeypatch, start, 0)
    issue_id = make_routed_issue(licheng, urgency=3)  # 签收 24 h, 答复 48 h
    lead = lead_of(issue_id)

    at(monkeypatch, start, 1)
    assert sla_watch(profile=licheng).reminders == 0

    at(monkeypatch, start, 12.5)  # half of the 24 h to sign for
    assert sla_watch(profile=licheng).reminders >= 1
    assert sla_watch(profile=licheng).reminders == 0  # a second run at the same time does nothing
    reminded = [e for e in events("reminded") if e.assignment_id == lead.id]
    assert [(e.data["deadline"], e.data["step"]) for e in reminded] == [("ack", "50")]
    contacts = lambda code: licheng.units[code].contacts  # noqa: E731
    assert targets(f"assignment:{lead.id}:ack:reminded:50") == [contacts(lead.unit_code)["email"]]

    at(monkeypatch, start, 20)
    sla_watch(profile=licheng)
    steps = [(e.data["deadline"], e.data["step"]) for e in events("reminded") if e.assignment_id == lead.id]
    assert steps == [("ack", "50"), ("ack", "80")]

    at(monkeypatch, start, 25)  # 签收 overdue: 督办 to the unit head and the supervisors
    sla_watch(profile=licheng)
    escalated = [e for e in events("escalated") if e.assignment_id == lead.id]
    assert [(e.data["deadline"], e.data["step"]) for e in escalated] == [("ack", "1")]
    sent_to = targets(f"assignment:{lead.id}:ack:escalated:1")
    assert contacts(lead.unit_code)["head_email"] in sent_to
    assert {contacts(code)["email"] for code in licheng.meta.supervisor_units} <= set(sent_to)

    at(monkeypatch, start, 50)  # 24 h after the 签收 deadline: the second level reaches the duty office
    sla_watch(profile=licheng)
    assert contacts("gov_office")["email"] in targets(f"assignment:{lead.id}:ack:escalated:2")


def test_meeting_a_deadline_stops_its_alarms(db, licheng, monkeypatch):
    start = now()
    at(monkeypatch, start, 0)
    lead = lead_of(make_routed_issue(licheng, urgency=3))
    with session_scope() as session:
        lifecycle.acknowledge(session, viewer=Viewer("u", "unit", lead.unit_code), assignment_id=lead.id)
    at(monkeypatch, start, 30)
    sla_watch(profile=licheng)
    mine = [e for e in events("reminded") + events("escalated") if e.assignment_id == lead.id]
    assert all(e.data["deadline"] == "response" for e in mine)
    assert [e.data["step"] for e in mine] == ["50"]  # 30 h of 48 h: past 50 %, not yet 80 %


def test_a_watch_that_was_down_sends_only_the_latest_reminder(db, licheng, monkeypatch):
    start = now()
    at(monkeypatch, start, 0)
    lead = lead_of(make_routed_issue(licheng, urgency=3))
    at(monkeypatch, start, 21)  # first run after 80 % of the 签收 time
    sla_watch(profile=licheng)
    steps = [e.data["step"] for e in events("reminded") if e.assignment_id == lead.id and e.data["deadline"] == "ack"]
    assert steps == ["80"]


def test_critical_issue_watches_the_5_hour_information_deadline(db, licheng, monkeypatch):
    start = now()
    at(monkeypatch, start, 0)
    lead = lead_of(make_routed_issue(licheng, urgency=1, title="厂房火灾", summary="常泰街道厂房起火"))
    at(monkeypatch, start, 5.5)
    sla_watch(profile=licheng)
    overdue = {(e.data["deadline"], e.data["step"]) for e in events("escalated") if e.assignment_id == lead.id}
    assert {("ack", "1"), ("info", "1")} <= overdue
    assert ("press", "1") not in overdue
