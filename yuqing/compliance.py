"""Per-unit compliance (DESIGN.md §6): on-time rate = done on time ÷ (done + open and already overdue).

"Done" is the unit's part: responded (or closed after it). The deadline that counts is the
response deadline, or for level-1 issues (continuous response) the press-conference deadline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from yuqing.models import Assignment

DONE = ("responded", "closed")
OPEN = ("notified", "acknowledged", "responding")


def main_due(assignment: Assignment) -> datetime | None:
    return assignment.response_due or assignment.press_due


def is_overdue(assignment: Assignment, at: datetime) -> bool:
    if assignment.status not in OPEN:
        return False
    if assignment.ack_due and assignment.acknowledged_at is None and at > assignment.ack_due:
        return True
    due = main_due(assignment)
    return bool(due and at > due)


@dataclass(frozen=True)
class UnitCompliance:
    unit_code: str
    assignments: int
    done: int
    done_on_time: int
    open_overdue: int
    returned: int
    escalated: int
    median_hours_to_sign: float | None
    median_hours_to_respond: float | None

    @property
    def on_time_rate(self) -> float | None:
        denominator = self.done + self.open_overdue
        return self.done_on_time / denominator if denominator else None


def _hours(start: datetime, end: datetime | None) -> float | None:
    return (end - start).total_seconds() / 3600 if end else None


def compute_compliance(
    assignments: Iterable[Assignment], *, at: datetime, escalations: dict[str, int] | None = None
) -> list[UnitCompliance]:
    by_unit: dict[str, list[Assignment]] = {}
    for assignment in assignments:
        by_unit.setdefault(assignment.unit_code, []).append(assignment)
    escalations = escalations or {}
    rows = []
    for unit_code, items in sorted(by_unit.items()):
        done = [a for a in items if a.status in DONE]
        on_time = [a for a in done if main_due(a) is None or (a.responded_at and a.responded_at <= main_due(a))]
        sign = [h for a in items if (h := _hours(a.created_at, a.acknowledged_at)) is not None]
        respond = [h for a in items if (h := _hours(a.created_at, a.responded_at)) is not None]
        rows.append(UnitCompliance(
            unit_code=unit_code, assignments=len(items), done=len(done), done_on_time=len(on_time),
            open_overdue=sum(is_overdue(a, at) for a in items), returned=sum(a.status == "returned" for a in items),
            escalated=escalations.get(unit_code, 0),
            median_hours_to_sign=median(sign) if sign else None,
            median_hours_to_respond=median(respond) if respond else None,
        ))
    return rows
