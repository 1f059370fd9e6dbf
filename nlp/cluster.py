"""Online clustering of posts into issues, and issue heat. Pure functions.

(Topic spikes are counted by the dashboard's query, `repo.topic_spikes`: one detector.)"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from nlp.simhash import distance, similarity
from yuqing.settings import get_settings

OTHER_PLACE = 0.5  # keyword overlap kept across different jurisdictions
OTHER_TOPIC = 0.7  # keyword overlap kept across different topics


@dataclass(frozen=True)
class Candidate:
    id: int | None
    simhash: str | None
    keywords: frozenset[str]
    last_seen: datetime
    jurisdiction: str | None
    topic: str | None


def score(post: Candidate, issue: Candidate, *, near_dup_distance: int | None = None) -> float:
    """0..1: near-identical text (SimHashes within `near_dup_distance` bits, default the setting
    near_dup_distance, the crawl's own near-duplicate rule) scores by SimHash; otherwise keyword
    overlap, held back across different places or topics (two complaints about 物业 in different
    streets are two issues)."""
    if near_dup_distance is None:
        near_dup_distance = get_settings().near_dup_distance
    if post.simhash and issue.simhash and distance(post.simhash, issue.simhash) <= near_dup_distance:
        return similarity(post.simhash, issue.simhash)
    if not post.keywords or not issue.keywords:
        return 0.0
    overlap = len(post.keywords & issue.keywords) / len(post.keywords | issue.keywords)
    if post.jurisdiction and issue.jurisdiction and post.jurisdiction != issue.jurisdiction:
        overlap *= OTHER_PLACE
    if post.topic and issue.topic and post.topic != issue.topic:
        overlap *= OTHER_TOPIC
    return overlap


def best_match(post: Candidate, candidates: list[Candidate], *, window: timedelta, min_similarity: float,
               near_dup_distance: int | None = None) -> int | None:
    if near_dup_distance is None:
        near_dup_distance = get_settings().near_dup_distance
    best, best_score = None, min_similarity
    for issue in candidates:
        if abs(post.last_seen - issue.last_seen) > window:
            continue
        value = score(post, issue, near_dup_distance=near_dup_distance)
        if value >= best_score:
            best, best_score = issue.id, value
    return best


def heat(posts: int, sources: int, engagement: int, hours: float) -> float:
    """Volume, spread over sources, engagement (log-damped) and velocity (posts per hour)."""
    velocity = posts / max(hours, 1.0)
    return round(10 * math.log1p(posts) + 5 * max(sources - 1, 0) + 3 * math.log1p(engagement) + 5 * velocity, 2)
