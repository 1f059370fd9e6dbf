"""The issue page shows the emotion mix of all the issue's posts (each by its newest analysis), the
negative intensity, and each analysis's emotion, in Chinese."""

from sqlmodel import select

from tests.dashboard.conftest import app_as
from yuqing.db import session_scope
from yuqing.models import Analysis, Issue, Post

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


def test_the_issue_page_pages_through_its_posts(board):
    """Twenty posts a page in full, in order of publication, with the analyses of the page's posts;
    a page number reaches the others (not only the first fifty), and another issue opens on its first page."""
    with session_scope() as session:
        moved = session.exec(select(Post).where(Post.issue_id != board.hostile).order_by(Post.id)).all()
        for post in moved:
            post.issue_id = board.issue_a
        session.get(Issue, board.issue_a).post_count = len(moved)
        session.get(Issue, board.issue_b).post_count = 45  # its posts gone, its count kept (as a merged issue's)
        ordered = [p.url for p in sorted(moved, key=lambda p: (p.published_at, p.id))]
    assert len(ordered) > 20

    def shown(at):
        last_lines = [t.value.rsplit("\n", 1)[-1] for t in at.text]  # a post's text ends with its address
        return [line for line in last_lines if line.startswith("http://127.0.0.1:9/board/")]

    at = app_as("ana")
    at.session_state["open_issue_id"] = board.issue_a
    at.switch_page("views/issue.py").run()
    assert not at.exception
    assert shown(at) == ordered[:20] and len(_frame(at, "模型版本")) == 20
    assert any(f"第 1 / {-(-len(ordered) // 20)} 页" in c.value for c in at.caption)
    at.number_input(key=f"issue_post_page_{board.issue_a}").set_value(2).run()
    assert shown(at) == ordered[20:40] and len(_frame(at, "模型版本")) == len(ordered[20:40])
    # issue_b has no post left but a stored count of 45: no pager over empty pages
    at.number_input(key="issue_id_input").set_value(board.issue_b).run()
    assert not at.exception and not any("第 2 /" in c.value for c in at.caption)
    assert any("没有帖子" in i.value for i in at.info) and not any(w.key.startswith("issue_post_page") for w in at.number_input)
