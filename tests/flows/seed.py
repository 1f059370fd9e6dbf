"""Seed posts with their analyses (real citizen messages from data/messages_sample.csv), and count
every row the pipeline writes, so idempotence tests can compare runs row for row."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

from yuqing.clock import now
from yuqing.db import session_scope
from yuqing.models import Analysis, Assignment, Event, Issue, Notification, Post, Source

SAMPLE = Path(__file__).parent / "data" / "messages_sample.csv"
TOPICS = ["城乡建设", "劳动和社会保障", "教育文体", "商贸旅游", "环境保护", "卫生计生", "交通运输", "民政"]
STREETS = [("kaiyuan", "开元街道"), ("lizhong", "鲤中街道"), ("haibin", "海滨街道"), ("changtai", "常泰街道"), (None, None)]


@cache
def messages() -> list[dict]:
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def seed_posts(n_messages: int, *, copies: int = 2) -> int:
    """`n_messages` real messages, each posted `copies` times (the repeats join the same issue), every
    post already analysed as the NLP stage would (topic, urgency, place, SimHash). Returns posts."""
    from nlp.simhash import simhash
    from nlp.tokenize import content_tokens

    base = now() - timedelta(hours=6)
    count = 0
    with session_scope() as session:
        source = Source(name="seed-board", kind="board", url="http://127.0.0.1/board")
        session.add(source)
        session.flush()
        for index, row in enumerate(messages()[:n_messages]):
            tokens = content_tokens(f"{row['title']} {row['text']}")
            signature = simhash(tokens)
            # the most frequent content words (jieba.analyse leaks a file handle at import; not needed here)
            words = [w for w, _ in Counter(t for t in tokens if len(t) > 1).most_common(8)]
            code, street = STREETS[index % len(STREETS)]
            for copy in range(copies):
                post = Post(source_id=source.id, url=f"http://127.0.0.1/board/{row['msg_id']}/{copy}",
                            title=row["title"], text=row["text"], content_hash=f"{row['msg_id']}-{copy}",
                            simhash=signature, published_at=base + timedelta(minutes=index + copy),
                            analyzed_at=base)
                session.add(post)
                session.flush()
                session.add(Analysis(
                    post_id=post.id, model_version="seed", topic=TOPICS[index % len(TOPICS)],
                    topic_prob=0.3 if index % 7 == 3 else 0.9, urgency=1 if index % 25 == 5 else 3,
                    places=[street] if street else [], jurisdiction=code, keywords=words, relevant=True,
                ))
                count += 1
    return count


def counts() -> dict[str, int]:
    """Rows the pipeline writes, and the checks that nothing was doubled."""
    with session_scope() as session:
        def n(model, *where):
            return session.exec(select(func.count()).select_from(model).where(*where)).one()

        keys = session.exec(select(Notification.dedupe_key)).all()
        pairs = session.exec(select(Assignment.issue_id, Assignment.unit_code)).all()
        return {
            "posts": n(Post),
            "analyses": n(Analysis),
            "clustered": n(Post, Post.clustered_at != None),  # noqa: E711
            "grouped": n(Post, Post.issue_id != None),  # noqa: E711
            "issues": n(Issue),
            "issues_routed": n(Issue, Issue.status == "assigned"),
            "issues_triage": n(Issue, Issue.needs_triage == True),  # noqa: E712
            "assignments": n(Assignment),
            "assignment_pairs": len(set(pairs)),
            "routed_events": n(Event, Event.kind == "routed"),
            "created_events": n(Event, Event.kind == "created"),
            "notifications": len(keys),
            "notification_keys": len(set(keys)),
            "sent": n(Notification, Notification.status == "sent"),
        }


def run_side_by_side(work, workers: int) -> None:
    """Run `work` in `workers` threads at once (each its own sessions), and fail on any error."""
    import threading

    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
