"""Saving analyses in batches: one row per (post, model version), whatever is saved again."""

from datetime import timedelta

from sqlmodel import func, select

from yuqing import repo
from yuqing.clock import now
from yuqing.db import session_scope
from yuqing.models import Analysis, Issue, Post


def _posts(count: int) -> list[int]:
    with session_scope() as session:
        source = repo.upsert_source(session, name="board", kind="board", url="http://127.0.0.1:9/board")
        rows = [Post(source_id=source.id, url=f"http://127.0.0.1:9/board/{index}", title=f"留言{index}",
                     text=f"第{index}条留言：小区停车难", content_hash=f"h{index}",
                     published_at=now() - timedelta(minutes=index)).model_dump(exclude={"id"}) for index in range(count)]
        ids = repo.insert_crawled_posts(session, rows=rows)
        return [ids[row["url"]] for row in rows]


def _analysis(version: str, topic: str) -> Analysis:
    return Analysis(model_version=version, topic=topic, topic_prob=0.9, relevant=True, relevance_score=0.9,
                    urgency=3, sentiment="negative", sentiment_score=-0.5)


def test_a_batch_saves_every_post_once_and_marks_it_analysed(any_db):
    ids = _posts(5)
    with session_scope() as session:
        pending = repo.posts_to_analyze(session, limit=10)
        saved = repo.save_analyses(session, pairs=[(post, _analysis("v1", "城乡建设")) for post in pending[:3]])
        assert [row.post_id for row in saved] == ids[:3]
    with session_scope() as session:
        assert [post.id for post in repo.posts_to_analyze(session, limit=10)] == ids[3:]
        # the same version again (a retried batch) keeps the first rows; a new version adds its own
        posts = [session.get(Post, post_id) for post_id in ids]
        again = repo.save_analyses(session, pairs=[(post, _analysis("v1", "交通运输")) for post in posts])
        assert [row.topic for row in again] == ["城乡建设"] * 3 + ["交通运输"] * 2
        repo.save_analyses(session, pairs=[(post, _analysis("v2", "环境保护")) for post in posts[:2]])
    with session_scope() as session:
        counts = dict(session.exec(
            select(Analysis.model_version, func.count()).group_by(Analysis.model_version)
        ).all())
        assert counts == {"v1": 5, "v2": 2}
        assert repo.count_posts_to_analyze(session) == 0
        newest = session.exec(select(Analysis).where(Analysis.post_id == ids[0]).order_by(Analysis.id.desc())).first()
        assert newest.model_version == "v2"


def test_an_empty_batch_is_nothing(any_db):
    with session_scope() as session:
        assert repo.save_analyses(session, pairs=[]) == []


def test_each_post_carries_its_newest_analysis_emotion(any_db):
    """post.emotion / negative_intensity are copied by triggers (migration 0014) from the post's newest
    analysis: after analyses are saved in batches, added by a new model version, relabelled, moved to
    another post and deleted, every post equals its newest analysis read directly ('' when that one
    has no emotion, NULL when it has no analysis), and an issue's emotion mix counts from them."""
    import random

    rng = random.Random(14)
    ids = _posts(12)
    emotions = ["angry", "fear", "sad", "happy", "neutral", None]

    def labelled(version: str) -> Analysis:
        analysis = _analysis(version, "城乡建设")
        analysis.emotion = rng.choice(emotions)
        analysis.negative_intensity = None if analysis.emotion is None else round(rng.random(), 3)
        return analysis

    def check(session) -> None:
        for post in session.exec(select(Post).where(Post.id.in_(ids)).execution_options(populate_existing=True)):
            newest = session.exec(select(Analysis).where(Analysis.post_id == post.id)
                                  .order_by(Analysis.id.desc())).first()
            expected = (None, None) if newest is None else (newest.emotion or "", newest.negative_intensity)
            assert (post.emotion, post.negative_intensity) == expected, post.id

    with session_scope() as session:
        posts = repo.posts_to_analyze(session, limit=100)
        repo.save_analyses(session, pairs=[(post, labelled("v1")) for post in posts[:9]])
        repo.save_analyses(session, pairs=[(post, labelled("v2")) for post in posts[:5]])
    with session_scope() as session:
        check(session)
        rows = session.exec(select(Analysis).where(Analysis.post_id.in_(ids)).order_by(Analysis.id)).all()
        for analysis in rng.sample(rows[1:], 5):  # relabelled in place
            analysis.emotion, analysis.negative_intensity = rng.choice(emotions[:-1]), 0.5
        moved = max((a for a in rows if a.post_id == ids[0]), key=lambda a: a.id)  # its newest (v2)
        moved.post_id = ids[11]  # to a post without analyses: ids[0] falls back to its v1, ids[11] gets the copy
        for analysis in rows[-3:]:
            session.delete(analysis)
    with session_scope() as session:
        check(session)
    with session_scope() as session:
        issue = Issue(title="情绪构成", summary="")
        session.add(issue)
        session.flush()
        for post in session.exec(select(Post).where(Post.id.in_(ids))):
            post.issue_id = issue.id
        session.flush()
        mix, intensity = repo.issue_emotion_mix(session, viewer=repo.Viewer("ana", "analyst"), issue_id=issue.id)
        newest = [session.exec(select(Analysis).where(Analysis.post_id == post_id).order_by(Analysis.id.desc())).first()
                  for post_id in ids]
        analysed = [a for a in newest if a is not None]
        expected = {}
        for analysis in analysed:
            expected[analysis.emotion] = expected.get(analysis.emotion, 0) + 1
        assert mix == expected and sum(mix.values()) == len(analysed) < len(ids)
        weights = [a.negative_intensity for a in analysed if a.negative_intensity is not None]
        assert intensity == round(sum(weights) / len(weights), 4)
