"""The one clock of the product, so deadlines can be drilled on a fake time, and the one accessor
of the district's time zone (setting `timezone`, YUQING_TIMEZONE) for deadlines, working days,
schedules and reports."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from yuqing.settings import get_settings

log = logging.getLogger(__name__)
_ANNOUNCED: set[str] = set()  # fake times already logged, so a drill warns once, not per call


def now() -> datetime:
    """Current time, timezone-aware in UTC (the database stores every timestamp in UTC). With the
    setting fake_now (YUQING_FAKE_NOW) the clock stands still there, and says so once in the log."""
    fake = fake_now()
    if fake is not None:
        if get_settings().fake_now not in _ANNOUNCED:
            _ANNOUNCED.add(get_settings().fake_now)
            log.warning("模拟时钟：YUQING_FAKE_NOW=%s，当前时间固定为 %s（不是真实时间）",
                        get_settings().fake_now, f"{to_local(fake):%Y-%m-%d %H:%M %Z}")
        return fake
    return datetime.now(UTC)


def fake_now() -> datetime | None:
    """The fake time set by fake_now (naive values are local time), as aware UTC; None on a real clock."""
    fake = get_settings().fake_now
    if not fake:
        return None
    parsed = datetime.fromisoformat(fake)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=local_zone())
    return parsed.astimezone(UTC)


def fake_clock_notice() -> str | None:
    """The line a command prints while the clock is fake (None on a real clock)."""
    fake = fake_now()
    if fake is None:
        return None
    return f"【模拟时钟】当前时间固定为 {to_local(fake):%Y-%m-%d %H:%M %Z}（YUQING_FAKE_NOW），不是真实时间"


def zone_name() -> str:
    """The district's time zone name (setting timezone), e.g. for Prefect's cron schedules."""
    return get_settings().timezone


def local_zone() -> ZoneInfo:
    """The district's time zone (setting timezone, YUQING_TIMEZONE)."""
    return ZoneInfo(zone_name())


def to_local(moment: datetime) -> datetime:
    """A timestamp from the database, shown in the district's time zone (naive values are UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(local_zone())


def from_local(moment: datetime) -> datetime:
    """A local timestamp (the district's zone), naive or aware, as aware UTC for storage."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_zone())
    return moment.astimezone(UTC)
