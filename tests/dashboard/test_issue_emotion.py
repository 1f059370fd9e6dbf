"""The issue page shows the emotion mix of all the issue's posts (each by its newest analysis), the
negative intensity, and each analysis's emotion, in Chinese."""

from sqlmodel import select

from tests.dashboard.conftest import app_as
from yuqing.db import session_scope
from yuqing.models import Analysis, Post

EMOTIONS = ["angry", "fear", "sad", "angry", "happy", "neutral"]


def _frame(at, column):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_the_issue_page_shows_the_emotion_mix(board):
    with session_scope() as session:
        # the board's issues hold a post or two: gather eight of the board's posts into one issue
        for post in session.exec(select(Post).where(Post.issue_id != board.hostile).order_by(Post.id).limit(8)).all():
            post.issue_id = board.issue_a
    with session_scope() as session:
        analyses = session.exec(select(Analysis).join(Post, Post.id == Analysis.post_id)
                                .where(Post.issue_id == board.issue_a).order_by(Analysis.id)).all()
        assert len(analyses) >= 8
        # every post but the last gets an emotion; the last was analysed before emotions were kept
        for index, analysis in enumerate(analyses[:-1]):
            analysis.emotion, analysis.negative_intensity = EMOTIONS[index % len(EMOTIONS)], 0.5
        tagged = [a.emotion for a in analyses[:-1]]
    at = app_as("ana")
    at.session_state["open_issue_id"] = board.issue_a
    at.switch_page("views/issue.py").run()
    assert not at.exception
    mix = _frame(at, "情绪")
    names = {"angry": "愤怒", "fear": "恐惧", "sad": "悲伤", "happy": "喜悦", "neutral": "中性"}
    expected = {names[code]: tagged.count(code) for code in names if code in tagged}
    assert dict(zip(mix["情绪"], mix["帖子数"], strict=True)) == expected
    assert list(mix["情绪"]) == [n for n in names.values() if n in expected]  # negative emotions first
    assert mix["占比"].iloc[0] == f"{expected['愤怒'] / len(tagged):.0%}"
    captions = "\n".join(c.value for c in at.caption)
    assert "负面情绪强度 0.50" in captions and "另有 1 条帖子的分析早于情绪识别" in captions
    per_post = _frame(at, "模型版本")
    assert set(per_post["情绪"]) == {*expected, "—"}
