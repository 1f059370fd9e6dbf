"""Times as boards, forums and Weibo print them, read against the crawl time in the source's zone.

Absolute dates (``2024-4-6 20:46``, ``2019年2月8日 09时05分``, RFC 822, ISO 8601) go to
`crawlers.parsers.fields.parse_datetime`; this adds the relative and partial forms list pages
show for recent posts: ``刚刚``, ``5分钟前``, ``半小时前``, ``3 天前``, ``今天 10:00``,
``昨天 16:09``, ``前天 10:00``, ``16:09`` (today; yesterday if that is still ahead), ``06-14`` and
``06-14 16:09`` (this year; last year if that is still ahead), ``2022-10`` (the month's first day). A zone comes from the source's
config, else the product setting (``YUQING_TIMEZONE``, Asia/Shanghai).
dateparser reads most of these too but not ``06-14`` as last year's, and costs milliseconds a
call on list pages of 50 rows; these few patterns are all the sites use.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from crawlers.parsers.fields import parse_datetime

# ahead of the clock by more than this, a partial time belongs to the previous day / year
_CLOCK_SKEW = timedelta(minutes=10)
_UNITS = {"秒": "seconds", "分钟": "minutes", "分": "minutes", "小时": "hours", "个小时": "hours", "天": "days",
          "日": "days", "周": "weeks", "星期": "weeks"}
_AGO = re.compile(r"(?<![\d.])(\d+|半)\s*(秒|分钟|分|个小时|小时|天|日|周|星期)\s*(?:钟)?\s*[以之]?前")
_JUST_NOW = re.compile(r"刚刚|刚才")
_DAY_WORD = re.compile(r"(今天|昨天|前天)\s*(?:(\d{1,2})\s*[:：]\s*(\d{2})(?:\s*[:：]\s*\d{2})?)?\s*$")
_DAY_WORD_TIME = re.compile(r"(今天|昨天|前天)\s*(\d{1,2})\s*[:：]\s*(\d{2})")
_MONTH_DAY = re.compile(
    r"(?<![\d\-/.年])(\d{1,2})\s*(?:[-/]|月)\s*(\d{1,2})\s*日?(?:\s+(\d{1,2})\s*[:：]\s*(\d{2}))?(?![\d\-/:])")
_YEAR_MONTH = re.compile(r"(?<!\d)(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*月?(?![\d\-/.])")
_CLOCK = re.compile(r"(?<![\d:\-/])(\d{1,2})\s*:\s*(\d{2})(?:\s*:\s*\d{2})?(?![\d:])")


def _zone(tz) -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        return tz
    if tz:
        return ZoneInfo(str(tz))
    from yuqing.clock import local_zone

    return local_zone()


def parse_relative(text: str | None, *, now: datetime, tz=None) -> datetime | None:
    """A relative or partial time in `text` (see the module docstring) as aware UTC, else None."""
    if not text or not text.strip():
        return None
    text = text.strip()
    local_now = now.astimezone(_zone(tz))
    if match := _AGO.search(text):
        amount = 0.5 if match.group(1) == "半" else int(match.group(1))
        return (local_now - timedelta(**{_UNITS[match.group(2)]: amount})).astimezone(UTC)
    if _JUST_NOW.search(text):
        return now.astimezone(UTC)
    if match := (_DAY_WORD_TIME.search(text) or _DAY_WORD.search(text)):
        back = {"今天": 0, "昨天": 1, "前天": 2}[match.group(1)]
        hour, minute = int(match.group(2) or 0), int(match.group(3) or 0)
        if hour > 23 or minute > 59:
            return None
        day = (local_now - timedelta(days=back)).date()
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=local_now.tzinfo).astimezone(UTC)
    if match := _YEAR_MONTH.search(text):  # Tieba's "2022-10" for a thread of an earlier year
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12:
            return datetime(year, month, 1, tzinfo=local_now.tzinfo).astimezone(UTC)
    if match := _MONTH_DAY.search(text):
        month, day = int(match.group(1)), int(match.group(2))
        hour, minute = int(match.group(3) or 0), int(match.group(4) or 0)
        try:
            moment = datetime(local_now.year, month, day, hour, minute, tzinfo=local_now.tzinfo)
        except ValueError:  # 02-30, 13-01: not a date
            return None
        if moment > local_now + timedelta(days=1):  # "12-30" read in January is last year's
            moment = moment.replace(year=local_now.year - 1)
        return moment.astimezone(UTC)
    if match := _CLOCK.search(text):
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23 or minute > 59:
            return None
        moment = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if moment > local_now + _CLOCK_SKEW:  # "23:50" read at 00:10 is yesterday's
            moment -= timedelta(days=1)
        return moment.astimezone(UTC)
    return None


def parse_time(text: str | None, *, now: datetime | None = None, tz=None) -> datetime | None:
    """Any time a list or post prints, absolute or relative to `now` (default: the product clock),
    as aware UTC; None when there is none."""
    if not text or not text.strip():
        return None
    zone = _zone(tz)
    absolute = parse_datetime(text, tz=zone.key)
    if absolute is not None:
        return absolute
    if now is None:
        from yuqing.clock import now as clock_now

        now = clock_now()
    return parse_relative(text, now=now, tz=zone)
