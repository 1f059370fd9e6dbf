"""Deadlines of DESIGN.md §6 from a profile's SLA policy (pure functions).

Hours are wall-clock (7×24), as the State Council rules count them. Working days follow the
Chinese calendar with public holidays and make-up workdays (调休), from the `chinesecalendar`
package; for a year it has no data for yet, Monday–Friday is used and the result says so. Dates
are counted in the district's zone (setting timezone) unless a zone is passed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from yuqing.clock import local_zone
from yuqing.profile import Duration, SlaPolicy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deadlines:
    level: int
    ack_due: datetime | None
    info_due: datetime | None
    press_due: datetime | None
    response_due: datetime | None

    def as_dict(self) -> dict[str, datetime | None]:
        return {"ack_due": self.ack_due, "info_due": self.info_due, "press_due": self.press_due,
                "response_due": self.response_due}

    def nearest(self) -> datetime | None:
        dues = [d for d in self.as_dict().values() if d is not None]
        return min(dues) if dues else None


def is_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        log.warning("no holiday data for %s; counting Monday–Friday as working days", day.year)
        return day.weekday() < 5


def add_working_days(start: datetime, days: int, tz: ZoneInfo | None = None) -> datetime:
    """The same local time of day on the `days`-th working day after start's local date."""
    local = start.astimezone(tz or local_zone())
    day = local.date()
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return datetime.combine(day, local.timetz()).astimezone(start.tzinfo)


def add_duration(start: datetime, duration: Duration, tz: ZoneInfo | None = None) -> datetime:
    if duration.working_days:
        return add_working_days(start, duration.working_days, tz)
    return start + timedelta(minutes=duration.minutes)


def compute_deadlines(level: int, start: datetime, policy: SlaPolicy, tz: ZoneInfo | None = None) -> Deadlines:
    """Deadlines for an assignment of urgency `level` created at `start` (tz-aware)."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    sla = policy.levels[level]

    def due(which: str) -> datetime | None:
        duration = sla.duration(which)
        return add_duration(start, duration, tz) if duration else None

    return Deadlines(level=level, ack_due=due("ack"), info_due=due("info"), press_due=due("press"),
                     response_due=due("response"))


def reminder_times(start: datetime, due: datetime, fractions: list[float]) -> list[datetime]:
    """When to remind: at each fraction (e.g. 50 % and 80 %) of the time between start and due."""
    span = due - start
    return [start + span * fraction for fraction in fractions]
