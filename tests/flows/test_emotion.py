"""The emotion of each post, from the analysis to the analyst: the analyse stage stores the emotion
and the negative intensity the analysis gives (the same as `yuqing analyze` writes to CSV), the issue's
mix counts each post by its newest analysis, and the 舆情专报's 情感走势 states the negative emotions
with anger and fear weighing more than sadness."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from click.testing import CliRunner
from docx import Document
from sqlmodel import select

from flows.brief import emotion_lines, issue_brief, render_html
from yuqing import repo
from yuqing.clock import now
from yuqing.db import session_scope
from yuqing.models import Analysis, Issue, Post, Source
from yuqing.repo import Viewer

ANALYST = Viewer("ana", "analyst")
POSTS = {
    "anger": "物业乱收费，投诉了三次没人管，简直气死人了！这帮人太无法无天了",
    "fear": "小区旁边化工厂又冒黑烟，晚上闻到刺鼻气味，好害怕孩子出事，太吓人了",
    "sad": "奶奶今天走了，心里好难过，再也见不到她了",
    "joy": "今天公园的花都开了，阳光明媚，心情特别好，开心！",
}


def _issue(session, *, title="化工厂排放") -> Issue:
    moment = now()
    issue = Issue(title=title, topic="环境保护", urgency=3, status="new", first_seen_at=moment, last_seen_at=moment)
    session.add(issue)
    session.flush()
    return issue


def test_the_analyse_stage_stores_each_posts_emotion_as_the_analysis_gives_it(any_db):
    from flows.stages import analyze_new_posts
    from nlp.analyze import Analyzer
    from nlp.sentiment import EMOTION_NAMES
    from yuqing.profile import load_profile
    from yuqing.settings import get_settings

    with session_scope() as session:
        source = Source(name="微博搜索", kind="json_api", url="http://127.0.0.1/weibo")
        session.add(source)
        session.flush()
        issue = _issue(session)
        for key, text in POSTS.items():
            session.add(Post(source_id=source.id, url=f"http://127.0.0.1/weibo/{key}", text=text, content_hash=key,
                             issue_id=issue.id, published_at=now()))
        issue_id = issue.id
    assert analyze_new_posts() == len(POSTS)
    with session_scope() as session:
        stored = {post.content_hash: analysis for post, analysis in
                  session.exec(select(Post, Analysis).join(Analysis, Analysis.post_id == Post.id)).all()}
    expected = Analyzer.load(load_profile(), get_settings().model_dir).analyze_many(
        [("", text, 0, 0, 0) for text in POSTS.values()])
    codes = {name: code for code, name in EMOTION_NAMES.items()}
    for key, result in zip(POSTS, expected, strict=True):
        assert (stored[key].emotion, stored[key].negative_intensity) == (codes[result.emotion], result.negative_intensity)
        assert (stored[key].emotion in ("angry", "fear", "sad")) == (stored[key].sentiment == "negative")
    assert (stored["anger"].emotion, stored["joy"].emotion) == ("angry", "happy")
    assert stored["anger"].negative_intensity > 0.5 > stored["joy"].negative_intensity
    # what the issue page and the 专报 read back is what the stage stored
    with session_scope() as session:
        counts, intensity = repo.issue_emotion_mix(session, viewer=ANALYST, issue_id=issue_id)
    assert counts == Counter(a.emotion for a in stored.values())
    assert abs(intensity - sum(a.negative_intensity for a in stored.values()) / len(POSTS)) < 1e-4
    [mix] = [line for line in issue_brief(issue_id).sections[2].paragraphs if line.startswith("情绪构成：")]
    assert "愤怒 " in mix and "喜悦 1 条（25%）" in mix


TEXTS = [*POSTS.values(), "化工厂夜间偷排废水，河里的鱼都死了", "环保部门说会派人来检测空气"]


def _seed_emotions(rows: list[tuple[str | None, float | None]]) -> int:
    """An issue with one post per (emotion, intensity), each analysed once with it."""
    base = now() - timedelta(hours=3)
    with session_scope() as session:
        source = Source(name="问政留言板", kind="board", url="http://127.0.0.1/board")
        session.add(source)
        session.flush()
        issue = _issue(session)
        issue.post_count = len(rows)
        for index, (emotion, intensity) in enumerate(rows):
            post = Post(source_id=source.id, url=f"http://127.0.0.1/p/{index}", title=f"帖子{index}",
                        text=TEXTS[index % len(TEXTS)],
                        content_hash=f"c{index}", issue_id=issue.id, analyzed_at=base,
                        published_at=base + timedelta(hours=index // 4))
            session.add(post)
            session.flush()
            sentiment = "negative" if emotion in ("angry", "fear", "sad") else "neutral"
            session.add(Analysis(post_id=post.id, model_version="t", sentiment=sentiment, emotion=emotion,
                                 negative_intensity=intensity))
        return issue.id


MIX = [("angry", 0.9), ("angry", 0.8), ("fear", 0.7), ("sad", 0.4), ("sad", 0.45), ("neutral", 0.05),
       ("happy", 0.0), (None, None)]


def test_the_issue_mix_counts_each_post_by_its_newest_analysis(any_db):
    issue_id = _seed_emotions(MIX)
    with session_scope() as session:
        counts, intensity = repo.issue_emotion_mix(session, viewer=ANALYST, issue_id=issue_id)
    assert counts == {"angry": 2, "fear": 1, "sad": 2, "neutral": 1, "happy": 1, None: 1}
    assert intensity == round((0.9 + 0.8 + 0.7 + 0.4 + 0.45 + 0.05 + 0.0) / 7, 4)  # the old analysis is left out
    with session_scope() as session:  # a newer model's analysis of the old post counts instead of the old one
        post = session.exec(select(Post).where(Post.content_hash == "c7")).one()
        session.add(Analysis(post_id=post.id, model_version="t2", sentiment="negative", emotion="fear",
                             negative_intensity=0.95))
    with session_scope() as session:
        counts, intensity = repo.issue_emotion_mix(session, viewer=ANALYST, issue_id=issue_id)
        assert counts == {"angry": 2, "fear": 2, "sad": 2, "neutral": 1, "happy": 1}
        assert repo.issue_emotion_mix(session, viewer=ANALYST, issue_id=_issue(session, title="空").id) == ({}, None)


def test_the_brief_states_the_negative_emotions_anger_and_fear_weighing_more(db):
    issue_id = _seed_emotions(MIX)
    brief = issue_brief(issue_id)
    mood = brief.sections[2]
    assert mood.title == "三、情感走势"
    lines = mood.paragraphs
    assert "情绪构成：愤怒 2 条（29%），恐惧 1 条（14%），悲伤 2 条（29%），喜悦 1 条（14%），中性 1 条（14%）。" in lines
    # a tie between anger and sadness goes to anger, which weighs more
    assert "负面情绪帖子 5 条，以愤怒为主（2 条）；其中愤怒、恐惧（权重较高）合计 3 条，占负面情绪的 60%。" in lines
    assert "负面情绪强度 0.47（0–1，各帖负面情绪概率的加权平均：愤怒计 1，恐惧计 1，悲伤计 0.5）。" in lines
    assert "另有 1 条帖子的分析早于情绪识别，未计入情绪。" in lines
    table = mood.tables[0]
    assert table.header[-1] == "负面情绪强度"
    assert [row[-1] for row in table.rows] == [f"{(0.9 + 0.8 + 0.7 + 0.4) / 4:.2f}", f"{(0.45 + 0.05 + 0.0) / 3:.2f}"]
    assert "以愤怒为主" in render_html(brief)


def test_the_brief_without_negative_or_any_emotion(db):
    assert emotion_lines([Analysis(post_id=1, model_version="t", emotion="happy", negative_intensity=0.02)]) == [
        "情绪构成：喜悦 1 条（100%）。", "未见愤怒、恐惧、悲伤等负面情绪。",
        "负面情绪强度 0.02（0–1，各帖负面情绪概率的加权平均：愤怒计 1，恐惧计 1，悲伤计 0.5）。"]
    assert emotion_lines([None, Analysis(post_id=1, model_version="t")]) == ["情绪：暂无情绪识别结果。"]
    # sadness leads only when it outnumbers anger and fear
    lines = emotion_lines([Analysis(post_id=i, model_version="t", emotion=e, negative_intensity=0.5)
                           for i, e in enumerate(["sad", "sad", "angry"])])
    assert lines[1].startswith("负面情绪帖子 3 条，以悲伤为主（2 条）；其中愤怒、恐惧（权重较高）合计 1 条")


def test_the_issue_report_command_writes_the_emotion_statement_to_docx(db, tmp_path):
    from cli.main import main

    issue_id = _seed_emotions(MIX)
    result = CliRunner().invoke(main, ["report", "--kind", "issue", "--issue", str(issue_id), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    [docx] = tmp_path.glob("*.docx")
    text = "\n".join(p.text for p in Document(str(docx)).paragraphs)
    assert "以愤怒为主" in text and "负面情绪强度 0.47" in text
    [page] = tmp_path.glob("*.html")
    assert "负面情绪强度 0.47" in page.read_text(encoding="utf-8")
