"""The one clock of the product, so deadlines can be drilled on a fake time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from yuqing.settings import get_settings


def now() -> datetime:
    """Current time, timezone-aware in UTC (the database stores every timestamp in UTC)."""
    fake = get_settings().fake_now
    if fake:
        parsed = datetime.fromisoformat(fake)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=local_zone())
        return parsed.astimezone(UTC)
    return datetime.now(UTC)


def local_zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def to_local(moment: datetime) -> datetime:
    """A timestamp from the database, shown in the district's time zone (naive values are UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(local_zone())


def from_local(moment: datetime) -> datetime:
    """A local (Asia/Shanghai) timestamp, naive or aware, as aware UTC for storage."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_zone())
    return moment.astimezone(UTC)
