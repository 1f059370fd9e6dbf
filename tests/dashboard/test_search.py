"""Chinese full-text search over issues (jieba terms) gives the same answers on SQLite and PostgreSQL,
and the index follows edits."""

from sqlmodel import select

from yuqing import repo
from yuqing.db import session_scope
from yuqing.models import Issue, IssueTerm
from yuqing.repo import Viewer
from yuqing.search import query_terms, search_terms

ANALYST = Viewer("ana", "analyst")
TITLES = ["鲤城区开元街道工地夜间施工噪音扰民", "中山路商铺占道经营影响通行", "学校周边交通拥堵，接送孩子难",
          "小区物业乱收停车费", "夜间烧烤油烟扰民"]


def test_terms_cut_chinese_and_drop_punctuation():
    assert {"噪音", "扰民", "工地", "鲤城区"} <= set(search_terms("鲤城区工地噪音扰民！！"))
    assert "！" not in search_terms("！！") and search_terms("   ") == []
    assert query_terms("鲤城区") == ["鲤城区"]


def test_search_finds_by_words_on_both_databases(any_db):
    with session_scope() as session:
        for title in TITLES:
            session.add(Issue(title=title, summary=""))
    with session_scope() as session:
        assert repo.index_issues_for_search(session) == len(TITLES)
        assert repo.index_issues_for_search(session) == 0  # nothing changed, nothing re-indexed

    def titles(query):
        with session_scope() as session:
            found, total = repo.search_issues(session, viewer=ANALYST, query=query)
            assert total == len(found)
            return {i.title for i in found}

    assert titles("扰民") == {TITLES[0], TITLES[4]}
    assert titles("噪音 扰民") == {TITLES[0]}
    assert titles("交通拥堵") == {TITLES[2]}
    assert titles("停车费") == {TITLES[3]}
    assert titles("不存在的词") == set()
    with session_scope() as session:
        issue = session.exec(select(Issue).where(Issue.title == TITLES[3])).one()
        issue.title, issue.updated_at = "小区物业噪音扰民", issue.updated_at.replace(year=issue.updated_at.year + 1)
        session.add(issue)
    with session_scope() as session:
        assert repo.index_issues_for_search(session) == 1
        assert session.exec(select(IssueTerm).where(IssueTerm.term == "停车费")).first() is None
    assert titles("噪音 扰民") == {TITLES[0], "小区物业噪音扰民"}


def test_the_cluster_stage_makes_new_issues_searchable(db):
    from flows.stages import cluster_new_posts
    from tests.flows.seed import messages, seed_posts

    seed_posts(5, copies=1)
    assert cluster_new_posts().new_issues == 5
    title = messages()[0]["title"]
    word = max(query_terms(title), key=len)
    with session_scope() as session:
        assert repo.index_issues_for_search(session) == 0  # the stage indexed every new issue already
        found, total = repo.search_issues(session, viewer=ANALYST, query=word)
    assert total >= 1 and any(issue.title == title for issue in found)


def test_search_results_show_the_matching_snippet_highlighted(board):
    from tests.dashboard.conftest import app_as

    at = app_as("ana", "views/issues.py")
    at.text_input(key="issues_query").input("噪音扰民")
    at.button(key="issues_search").click().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table.columns[:2]) == ["编号", "匹配片段"]
    snippets = dict(zip(table["编号"], table["匹配片段"], strict=True))
    assert all("【噪音" in text or "【扰民" in text or "【噪音扰民】" in text for text in snippets.values())
    marked = "\n".join(m.value for m in at.markdown)
    assert ":orange-background[噪音" in marked or ":orange-background[噪音扰民]" in marked
    # the hostile post's title is in the snippet, inert: no live link, image or HTML
    assert "](http" not in marked and "<b>" not in marked and "<script" not in marked


def test_snippets_cut_around_the_first_match():
    segments = repo.match_snippet("前面很长的一段与此无关的文字" * 3 + "工地夜间施工噪音扰民，持续一周", "噪音扰民", width=6)
    assert segments[0] == ("…", False) and ("噪音扰民", True) in segments
    assert "".join(t for t, _ in segments).endswith("持续一周")
    assert repo.match_snippet("没有匹配", "停车费") == [("没有匹配", False)]
