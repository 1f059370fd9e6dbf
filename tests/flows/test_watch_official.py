"""Official publications close the loop: a reply on the district's own site (or by one of its
recognised accounts, setting official_accounts) answers the issue of
the message it names (its URL the published response `yuqing verify` checks, on the timeline),
never becomes a task; a publication answering nothing is kept as evidence, not routed."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlmodel import select

from flows.official import quoted_titles
from flows.stages import cluster_new_posts, route_manually, route_new_issues
from yuqing import repo
from yuqing.authors import author_hash
from yuqing.clock import now
from yuqing.db import session_scope
from yuqing.models import Analysis, Assignment, Event, Issue, OfficialReply, Post, Source
from yuqing.repo import Viewer
from yuqing.settings import reset_settings_cache

REPLIES = Path(__file__).resolve().parents[2] / "crawlers" / "testsites" / "data" / "gov_replies.csv"
ANALYST = Viewer("ana", "analyst")


def _replies() -> list[dict]:
    with REPLIES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _post(source: str, url: str, title: str, text: str, *, kind: str = "board", owner: str | None = None,
          author: str | None = None) -> int:
    with session_scope() as session:
        src = session.exec(select(Source).where(Source.name == source)).first()
        if src is None:
            src = Source(name=source, kind=kind, url=f"http://127.0.0.1/{source}", owner_unit=owner)
            session.add(src)
            session.flush()
        post = Post(source_id=src.id, url=url, title=title, text=text, content_hash=url, analyzed_at=now(),
                    published_at=now(), author_hash=author_hash(source, author))
        session.add(post)
        session.flush()
        session.add(Analysis(post_id=post.id, model_version="t", topic="交通运输", topic_prob=0.9, relevant=True,
                             jurisdiction="kaiyuan", places=["开元街道"], keywords=[title[:4]], sentiment="negative"))
        return post.id


def _citizen(row: dict) -> int:
    return _post("board", f"http://127.0.0.1/board/{row['msg_id']}", row["title"],
                 f"{row['title']}。希望有关部门尽快处理，谢谢。")


def _official(row: dict) -> int:
    return _post("gov", f"http://127.0.0.1/gov/t_{row['msg_id']}.html", f"关于“{row['title']}”的回复",
                 row["reply"], kind="article", owner="gov_office")


def _issue_of(post_id: int) -> int | None:
    with session_scope() as session:
        return session.get(Post, post_id).issue_id


def test_the_reply_titles_are_read():
    assert quoted_titles("关于“请求B9市公交公司调整6路公交车的运行路线”的回复", "") == ["请求B9市公交公司调整6路公交车的运行路线"]
    assert quoted_titles("关于「小区噪音」的答复", "") == ["小区噪音"]
    assert quoted_titles("区住建局答复", "网友您好！您反映的“江南街道小区停车难”问题来信收悉，现答复如下") == ["江南街道小区停车难"]
    assert quoted_titles("关于开展消防安全检查的通知", "各单位：为做好“冬春火灾防控”工作……") == []


def test_an_official_reply_answers_its_issue_instead_of_becoming_a_task(db, licheng):
    row = _replies()[6]  # 请求B9市公交公司调整6路公交车的运行路线
    message = _citizen(row)
    cluster_new_posts(profile=licheng)
    issue_id = _issue_of(message)
    with session_scope() as session:
        route_manually(session, viewer=ANALYST, issue_id=issue_id, unit_code="kaiyuan", profile=licheng)
        issues_before = len(session.exec(select(Issue)).all())
    reply = _official(row)
    report = cluster_new_posts(profile=licheng)
    assert report.new_issues == 0 and report.skipped.get("official publication") == 1
    route_new_issues(profile=licheng)
    with session_scope() as session:
        assert len(session.exec(select(Issue)).all()) == issues_before
        assert session.get(Post, reply).issue_id is None
        [assignment] = session.exec(select(Assignment)).all()
        assert assignment.status == "responded"
        assert assignment.response_url == f"http://127.0.0.1/gov/t_{row['msg_id']}.html"  # what verify checks
        assert session.get(Issue, issue_id).status == "responded"
        linked = session.exec(select(OfficialReply)).one()
        assert linked.issue_id == issue_id and linked.post_id == reply
        events = repo.timeline(session, viewer=ANALYST, issue_id=issue_id)
    answered = [e for e in events if e.kind == "responded"]
    assert answered and answered[0].data["official"] is True and answered[0].actor == "flow:official"


def test_an_issue_answered_before_routing_is_closed_without_a_task(db, licheng):
    row = _replies()[0]
    message = _citizen(row)
    cluster_new_posts(profile=licheng)
    _official(row)
    cluster_new_posts(profile=licheng)
    assert route_new_issues(profile=licheng).assignments == 0
    with session_scope() as session:
        issue = session.get(Issue, _issue_of(message))
        assert issue.status == "closed"
        assert session.exec(select(Assignment)).all() == []
        closed = session.exec(select(Event).where(Event.issue_id == issue.id, Event.kind == "closed")).one()
        assert "已公开答复" in closed.note


def test_a_reply_published_before_its_message_closes_the_issue_when_it_arrives(db, licheng):
    row = _replies()[3]
    _official(row)
    assert cluster_new_posts(profile=licheng).new_issues == 0
    message = _citizen(row)
    cluster_new_posts(profile=licheng)
    assert route_new_issues(profile=licheng).assignments == 0
    with session_scope() as session:
        assert session.get(Issue, _issue_of(message)).status == "closed"
        assert session.exec(select(OfficialReply)).one().issue_id == _issue_of(message)


def test_official_publications_that_answer_nothing_are_evidence_not_tasks(db, licheng):
    _post("gov", "http://127.0.0.1/gov/notice.html", "关于开展冬季消防安全检查的通知",
          "各街道、各部门：为做好冬季火灾防控工作，现将有关事项通知如下。", kind="article", owner="gov_office")
    row = _replies()[2]
    _official(row)  # its message never reached us
    report = cluster_new_posts(profile=licheng)
    assert report.new_issues == 0 and report.skipped["official publication"] == 2
    assert route_new_issues(profile=licheng).assignments == 0
    with session_scope() as session:
        kept = session.exec(select(OfficialReply).order_by(OfficialReply.id)).all()
        assert [r.issue_id for r in kept] == [None, None]
        assert session.exec(select(Issue)).all() == []
    again = cluster_new_posts(profile=licheng)  # nothing left to group, nothing doubled
    assert again.new_issues == 0


def _weibo(url: str, text: str, author: str) -> int:
    return _post("weibo", url, "", text, kind="json_api", author=author)


def test_a_recognised_official_account_answers_like_the_districts_own_site(db, licheng, monkeypatch):
    monkeypatch.setenv("YUQING_OFFICIAL_ACCOUNTS", "weibo:鲤城发布， other_source:某官方号")
    reset_settings_cache()
    row = _replies()[6]
    message = _citizen(row)
    cluster_new_posts(profile=licheng)
    answer = f"@网友 您反映的“{row['title']}”问题来信收悉，现答复如下：{row['reply'][:80]}"
    # the same words from an account nobody recognised are a post like any other
    imitation = _weibo("http://127.0.0.1/weibo/1", answer, author="鲤城发布君")
    # the official account on a source the district does not own (no owner unit)
    official = _weibo("http://127.0.0.1/weibo/2", answer, author="鲤城发布")
    notice = _weibo("http://127.0.0.1/weibo/3", "【鲤城发布】今晚江南街道部分路段停水，请提前储水。", author="鲤城发布")
    report = cluster_new_posts(profile=licheng)
    assert report.skipped.get("official publication") == 2
    route_new_issues(profile=licheng)
    with session_scope() as session:
        issue = session.get(Issue, _issue_of(message))
        assert issue.status == "closed"  # answered before routing: no task
        assert {a.issue_id for a in session.exec(select(Assignment)).all()} == {_issue_of(imitation)} != {issue.id}
        kept = {r.post_id: r for r in session.exec(select(OfficialReply)).all()}
        assert set(kept) == {official, notice}
        assert kept[official].issue_id == issue.id and kept[official].url == "http://127.0.0.1/weibo/2"
        assert kept[notice].issue_id is None  # answers nothing: evidence, not routed
        assert session.get(Post, notice).issue_id is None and session.get(Post, imitation).issue_id is not None


def test_an_account_is_official_only_where_the_setting_names_it(db, licheng, monkeypatch):
    row = _replies()[0]
    _citizen(row)
    cluster_new_posts(profile=licheng)
    reply = _weibo("http://127.0.0.1/weibo/9", f"关于“{row['title']}”的回复：{row['reply'][:60]}", author="鲤城发布")
    monkeypatch.setenv("YUQING_OFFICIAL_ACCOUNTS", "board:鲤城发布")  # the same name on another source
    reset_settings_cache()
    assert cluster_new_posts(profile=licheng).skipped.get("official publication") is None
    with session_scope() as session:
        assert session.exec(select(OfficialReply)).all() == [] and session.get(Post, reply).issue_id is not None


def test_a_malformed_official_account_list_is_refused_at_load(monkeypatch):
    from yuqing.settings import Settings

    monkeypatch.setenv("YUQING_OFFICIAL_ACCOUNTS", "weibo:鲤城发布,鲤城区政府")
    with pytest.raises(ValueError, match="鲤城区政府.*数据源名:账号名"):
        Settings()
