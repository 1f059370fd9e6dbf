"""舆情专报 of one issue: every section with the issue's own figures, the opinion groups' representative
posts, routing and responses from the audit log; HTML escaped, DOCX readable, written atomically."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner
from docx import Document

from flows.brief import ADVICE_PLACEHOLDER, issue_brief, render_html, write_issue_brief
from flows.stages import route_manually
from nlp.opinions import opinion_groups
from yuqing import lifecycle, repo
from yuqing.clock import now
from yuqing.db import session_scope
from yuqing.models import Analysis, Issue, Post, Source
from yuqing.repo import Viewer

ANALYST = Viewer("ana", "analyst")
COMPENSATION = ["江南街道拆迁补偿标准太低，居民要求重新评估", "拆迁补偿款发放太慢，补偿标准低于周边",
                "补偿标准不公开，拆迁户要求公示评估报告", "拆迁补偿太低，我们不同意签字"]
NOISE = ["拆迁工地夜间施工噪音扰民，晚上十一点还在作业", "夜里施工噪音太大，孩子无法睡觉",
         "工地夜间噪音扰民严重，希望限制施工时间"]


def _seed(licheng) -> int:
    base = now() - timedelta(hours=5)
    with session_scope() as session:
        board = Source(name="问政留言板", kind="board", url="http://127.0.0.1/board")
        weibo = Source(name="微博搜索", kind="json_api", url="http://127.0.0.1/weibo")
        session.add_all([board, weibo])
        session.flush()
        issue = Issue(title="江南街道拆迁补偿<script>", summary="居民反映拆迁补偿标准低、夜间施工噪音", topic="城乡建设",
                      urgency=2, jurisdiction="jiangnan", status="new", first_seen_at=base, last_seen_at=base,
                      post_count=7, source_count=2, heat=12.5)
        session.add(issue)
        session.flush()
        for index, text in enumerate(COMPENSATION + NOISE):
            post = Post(source_id=(board if index % 2 else weibo).id, url=f"http://127.0.0.1/p/{index}",
                        title=text[:12], text=text, content_hash=f"c{index}", issue_id=issue.id, likes=index * 10,
                        published_at=base + timedelta(hours=index // 3, minutes=index), analyzed_at=base)
            session.add(post)
            session.flush()
            session.add(Analysis(post_id=post.id, model_version="t", sentiment="negative" if index < 5 else "neutral"))
        route_manually(session, viewer=ANALYST, issue_id=issue.id, unit_code="jiangnan", profile=licheng)
        return issue.id


def test_the_brief_holds_every_section_with_the_issues_figures(db, licheng):
    issue_id = _seed(licheng)
    with session_scope() as session:
        [lead] = repo.assignments_of_issue(session, viewer=ANALYST, issue_id=issue_id)
        lifecycle.acknowledge(session, viewer=ANALYST, assignment_id=lead.id)
        lifecycle.respond(session, viewer=ANALYST, assignment_id=lead.id, text="已约谈开发商，重新评估补偿",
                          url="https://gov.example/reply/1")
    brief = issue_brief(issue_id)
    titles = [s.title for s in brief.sections]
    assert titles == ["一、事件概述", "二、传播态势", "三、情感走势", "四、网民主要观点", "五、处置情况", "六、研判建议"]
    overview, spread, mood, views, handled, advice = brief.sections
    assert any("共监测到相关帖子 7 条" in p and "2 个数据源" in p for p in overview.paragraphs)
    assert spread.paragraphs[0].startswith("首发：") and "拆迁补偿标准太低" in spread.paragraphs[0]
    by_hour = spread.tables[0]
    assert sum(int(n) for _, n in by_hour.rows) == 7 and "峰值" in spread.paragraphs[1]
    assert {row[0] for row in spread.tables[1].rows} == {"留言板", "社交媒体"}
    assert "负面 5 条（71%）" in mood.paragraphs[0]
    groups = views.tables[0].rows
    assert len(groups) >= 2
    representatives = " ".join(row[3] for row in groups)
    assert "补偿" in representatives and "噪音" in representatives  # one post standing for each opinion
    routing = handled.tables[0].rows
    assert routing[0][0] == "江南街道办事处" and routing[0][2] == "已答复" and routing[0][7] == "https://gov.example/reply/1"
    assert any(row[2] == "responded" for row in handled.tables[2].rows)
    assert advice.paragraphs == [ADVICE_PLACEHOLDER]
    page = render_html(brief)
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_report_command_writes_html_and_docx(db, licheng, tmp_path):
    from cli.main import main

    issue_id = _seed(licheng)
    tmp_path = tmp_path / "out"
    result = CliRunner().invoke(main, ["report", "--kind", "issue", "--issue", str(issue_id), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    files = {p.suffix: p for p in tmp_path.iterdir()}
    assert set(files) == {".html", ".docx"} and not list(tmp_path.glob(".*partial"))
    text = "\n".join(p.text for p in Document(str(files[".docx"])).paragraphs)
    for heading in ("事件概述", "传播态势", "情感走势", "网民主要观点", "处置情况", "研判建议"):
        assert heading in text
    missing = CliRunner().invoke(main, ["report", "--kind", "issue"])
    assert missing.exit_code != 0 and "--issue" in missing.output
    unknown = CliRunner().invoke(main, ["report", "--kind", "issue", "--issue", "99999"])
    assert unknown.exit_code != 0


def test_write_issue_brief_returns_the_two_paths(db, licheng, tmp_path):
    paths = write_issue_brief(_seed(licheng), tmp_path)
    assert [p.suffix for p in paths] == [".html", ".docx"] and all(p.exists() for p in paths)


def test_opinion_groups_of_few_or_repeated_posts():
    assert opinion_groups([]) == []
    [single] = opinion_groups(["只有一条"])
    assert single.size == 1 and single.representative == 0
    groups = opinion_groups(COMPENSATION + NOISE + [NOISE[0]] * 5)
    assert sum(g.size for g in groups) == len(COMPENSATION) + len(NOISE) + 5
