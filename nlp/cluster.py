"""Online clustering of posts into issues, and issue heat. Pure functions."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from nlp.simhash import similarity

NEAR_DUPLICATE = 0.9  # SimHash similarity at which two posts are the same text (≤ 6 bits apart)


@dataclass(frozen=True)
class Candidate:
    id: int | None
    simhash: str | None
    keywords: frozenset[str]
    last_seen: datetime
    jurisdiction: str | None
    topic: str | None


def score(post: Candidate, issue: Candidate) -> float:
    """0..1: near-identical text scores by SimHash; otherwise keyword overlap, held back across
    different places or topics (two complaints about 物业 in different streets are two issues)."""
    text_similarity = similarity(post.simhash, issue.simhash)
    if text_similarity >= NEAR_DUPLICATE:
        return text_similarity
    if not post.keywords or not issue.keywords:
        return 0.0
    overlap = len(post.keywords & issue.keywords) / len(post.keywords | issue.keywords)
    if post.jurisdiction and issue.jurisdiction and post.jurisdiction != issue.jurisdiction:
        overlap *= 0.5
    if post.topic and issue.topic and post.topic != issue.topic:
        overlap *= 0.7
    return overlap


def best_match(post: Candidate, candidates: list[Candidate], *, window: timedelta, min_similarity: float) -> int | None:
    best, best_score = None, min_similarity
    for issue in candidates:
        if abs(post.last_seen - issue.last_seen) > window:
            continue
        value = score(post, issue)
        if value >= best_score:
            best, best_score = issue.id, value
    return best


def heat(posts: int, sources: int, engagement: int, hours: float) -> float:
    """Volume, spread over sources, engagement (log-damped) and velocity (posts per hour)."""
    velocity = posts / max(hours, 1.0)
    return round(10 * math.log1p(posts) + 5 * max(sources - 1, 0) + 3 * math.log1p(engagement) + 5 * velocity, 2)


@dataclass(frozen=True)
class Spike:
    spike: bool
    observed: int  # posts in the last hour
    expected: float  # mean posts per hour over the baseline days
    ratio: float
    z: float
    reason: str


def spike(times: list[datetime], *, now: datetime, days: int = 7, min_count: int = 3, factor: float = 3.0,
          min_z: float = 3.0) -> Spike:
    """Is a topic's last hour far above its own baseline (the hourly rate of the `days` days before)?
    A Poisson-style z-score guards against tiny baselines: 3 posts after a silent week is a spike,
    4 posts where 3 an hour is normal is not."""
    hour_start = now - timedelta(hours=1)
    base_start = hour_start - timedelta(days=days)
    observed = sum(hour_start < t <= now for t in times)
    baseline = sum(base_start < t <= hour_start for t in times)
    expected = baseline / (days * 24)
    ratio = observed / max(expected, 1e-9) if observed else 0.0
    z = (observed - expected) / math.sqrt(expected + 1.0)
    is_spike = observed >= min_count and observed >= factor * expected and z >= min_z
    reason = (f"last hour {observed} vs baseline {expected:.2f}/h over {days} d (×{min(ratio, 9999):.1f}, z {z:.1f})")
    return Spike(is_spike, observed, round(expected, 4), round(min(ratio, 9999.0), 2), round(z, 2), reason)
