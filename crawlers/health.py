"""Per-source health: which sources keep failing or went silent, and the alerts about them.

`source_problems` is a pure function over `repo.source_health` rows; `raise_health_alerts` queues
one alert per problem episode in the outbox (to the profile's propaganda unit, whose analysts
watch the sources, and to the source's owner unit), idempotent by dedupe key: a failing streak or a
silent spell is announced once, a new episode again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from yuqing import repo
from yuqing.alerts import enqueue_alert
from yuqing.clock import now, to_local
from yuqing.db import session_scope


@dataclass(frozen=True)
class HealthProblem:
    source: str
    kind: str  # failing | silent
    message: str
    episode: str  # identifies this failing streak / silent spell (part of the alert's dedupe key)
    owner_unit: str | None = None


def _when(moment: datetime | None) -> str:
    return f"{to_local(moment):%Y-%m-%d %H:%M}" if moment else "never"


def source_problems(rows: list[dict], *, at: datetime | None = None) -> list[HealthProblem]:
    """Failing: consecutive failures ≥ the source's max_failures. Silent: runs succeed but no new
    post for longer than silent_after_hours (a changed page layout often looks like this)."""
    problems = []
    for row in rows:
        if not row["enabled"]:
            continue
        if row["consecutive_failures"] >= row["max_failures"]:
            problems.append(HealthProblem(
                source=row["name"], kind="failing", owner_unit=row["owner_unit"],
                message=(f"信息源 {row['name']} 连续 {row['consecutive_failures']} 次采集失败"
                         f"（上次成功 {_when(row['last_ok_at'])}）：{(row['last_error'] or '')[:300]}"),
                episode=f"since-ok-{_when(row['last_ok_at'])}",
            ))
            continue
        hours = row["hours_since_new_post"]
        if row["last_ok_at"] is not None and hours is not None and hours > row["silent_after_hours"]:
            problems.append(HealthProblem(
                source=row["name"], kind="silent", owner_unit=row["owner_unit"],
                message=(f"信息源 {row['name']} 已 {hours:.0f} 小时没有新内容（阈值 {row['silent_after_hours']:g} 小时），"
                         f"请检查页面结构或采集配置"),
                episode=f"last-new-{_when(row['last_new_post_at'])}",
            ))
    return problems


def check_sources(at: datetime | None = None) -> list[HealthProblem]:
    with session_scope() as session:
        return source_problems(repo.source_health(session, at=at or now()), at=at)


def raise_health_alerts(at: datetime | None = None) -> int:
    """Queue alerts for the current problems; returns how many messages were newly queued."""
    from yuqing.profile import load_profile

    problems = check_sources(at)
    if not problems:
        return 0
    profile = load_profile()
    queued = 0
    with session_scope() as session:
        for problem in problems:
            codes = [profile.meta.propaganda_unit, problem.owner_unit]
            units = [profile.units[c] for c in dict.fromkeys(codes) if c and c in profile.units]
            queued += enqueue_alert(
                session, units=units, key=f"source-health:{problem.source}:{problem.kind}:{problem.episode}",
                subject=f"【信息源告警】{problem.source}", body=problem.message, issue_id=None, assignment_id=None,
            )
    return queued
