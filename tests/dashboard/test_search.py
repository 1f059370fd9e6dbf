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
