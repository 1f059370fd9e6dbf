"""The 态势概览: figures follow the time range with their change against the period before, trend
lines, hot issues and attention items that open on click, places by street name (未知 apart),
platforms by name, integer axes."""

from datetime import timedelta

from sqlmodel import col, select

from tests.dashboard.conftest import app_as
from yuqing import repo
from yuqing.clock import now
from yuqing.db import session_scope
from yuqing.models import Issue, Post
from yuqing.repo import Viewer

ANALYST = Viewer("ana", "analyst")


def _metrics(at) -> dict:
    return {m.label.replace(":red[", "").replace("]", ""): m for m in at.metric}


def _chart(at, mark: str):
    """The chart whose spec names `mark` ("layer" for the street grid) and its data as bytes."""
    chart = next(c for c in at.get("vega_lite_chart") if f'"{mark}"' in c.proto.spec)
    return chart.proto.spec, b"".join(d.data.data for d in chart.proto.datasets) + chart.proto.data.data


def _age(days: int) -> None:
    """Move every post and issue `days` back: the board then falls in an older period."""
    with session_scope() as session:
        for post in session.exec(select(Post)).all():
            post.fetched_at -= timedelta(days=days)
            session.add(post)
        for issue in session.exec(select(Issue)).all():
            issue.first_seen_at -= timedelta(days=days)
            issue.last_seen_at -= timedelta(days=days)
            session.add(issue)


def test_the_overview_figures_follow_the_range_with_their_change(board):
    with session_scope() as session:
        issues = len([i for i in repo.search_issues(session, viewer=ANALYST, limit=500)[0] if i.status != "merged"])
    at = app_as("ana", "views/overview.py")
    assert not at.exception
    metrics = _metrics(at)
    assert metrics["新帖"].value == "25" and metrics["新帖"].delta == "25"  # nothing in the 30 days before
    assert metrics["新事件"].value == str(issues)
    assert metrics["负面事件占比"].value.endswith("%")
    assert len(at.get("vega_lite_chart")) == 4  # volume, negative share, street grid, platforms


def test_an_older_board_leaves_the_7_day_range_and_shows_as_a_fall(board):
    _age(10)
    at = app_as("ana", "views/overview.py")
    assert _metrics(at)["新帖"].value == "25"  # 30 days: still in
    at.segmented_control(key="overview_days").set_value(7).run()
    assert not at.exception
    metrics = _metrics(at)
    assert metrics["新帖"].value == "0" and metrics["新帖"].delta == "-25"  # against the 7 days before
    assert any("还没有帖子" in i.value for i in at.info)


def test_overdue_is_red_when_there_is_any(board, monkeypatch):
    from yuqing.settings import reset_settings_cache

    at = app_as("ana", "views/overview.py")
    assert "超期未办" in [m.label for m in at.metric]
    monkeypatch.setenv("YUQING_FAKE_NOW", (now() + timedelta(days=4)).isoformat())
    reset_settings_cache()
    at.run()
    red = [m for m in at.metric if "超期未办" in m.label]
    assert red[0].label == ":red[超期未办]" and int(red[0].value) > 0
    assert any("超期未办" in m.value for m in at.markdown)


def test_hot_issues_open_on_click(board):
    at = app_as("ana", "views/overview.py")
    hot = next(d for d in at.dataframe if d.key == "overview_hot")
    first = int(hot.value["编号"].iloc[0])
    with session_scope() as session:
        hottest = repo.hot_issues(session, viewer=ANALYST, since=now() - timedelta(days=30))
    assert first == hottest[0].id and len(hot.value) <= 10
    at.session_state["overview_hot"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.title[0].value == "事件详情" and at.subheader[0].value == f"事件 #{first}"


def test_attention_lists_urgent_open_issues(board):
    at = app_as("ana", "views/overview.py")
    table = next(d for d in at.dataframe if d.key == "overview_attention").value
    assert board.hostile in set(table["编号"])  # the 2级 one
    assert set(table["紧急程度"]) <= {"1级 特别重大/重大", "2级 较大", "3级 一般", "4级 关注"}


def test_places_by_street_name_with_unknown_apart(board):
    with session_scope() as session:
        issue = session.get(Issue, board.issue_a)
        issue.jurisdiction = None
        session.add(issue)
    at = app_as("ana", "views/overview.py")
    assert not at.exception
    assert any("未能定位到街道的事件：1 个" in c.value for c in at.caption)
    spec, data = _chart(at, "layer")
    assert "开元街道".encode() in data and "常泰街道".encode() in data
    assert "未知".encode() not in data and b"kaiyuan" not in data


def test_platforms_by_name_and_integer_axes(board):
    at = app_as("ana", "views/overview.py")
    sources = next(d.value for d in at.dataframe if "平台" in d.value.columns)
    assert list(sources["平台"]) == ["留言板"] and int(sources["帖子"].sum()) == 25
    for mark in ("bar", "line"):
        spec, _ = _chart(at, mark)
        assert '"format": "d"' in spec and '"tickMinStep": 1' in spec


def test_post_volume_from_the_hourly_counts_equals_counting_the_posts(board):
    """post_volume_hour is kept by triggers: after posts are added, moved in time, moved to another
    source and deleted, the overview's counts over ranges cut mid-hour equal a plain count of the posts."""
    from sqlalchemy import delete, func

    moment = now()
    with session_scope() as session:
        posts = session.exec(select(Post).order_by(Post.id)).all()
        source_id = posts[0].source_id
        for k, post in enumerate(posts[:6]):
            post.fetched_at = moment - timedelta(hours=3 * k, minutes=7 * k)  # spread over hours and edges
            post.source_id = None if k == 2 else post.source_id
            session.add(post)
        session.flush()
        for k in range(2):
            session.add(Post(source_id=source_id, url=f"http://127.0.0.1:9/new{k}", title="新帖", text="正文",
                             content_hash=f"{k}" * 64, fetched_at=moment - timedelta(minutes=1 + 61 * k)))
        session.flush()
        session.exec(delete(Post).where(Post.url == "http://127.0.0.1:9/new1"))
    with session_scope() as session:
        for since, until in [(moment - timedelta(days=30), moment + timedelta(seconds=1)),
                             (moment - timedelta(hours=7, minutes=59), moment - timedelta(minutes=30)),
                             (moment - timedelta(minutes=50), moment - timedelta(minutes=20))]:
            volume = repo.post_volume(session, viewer=ANALYST, since=since, until=until)
            expected = session.exec(select(func.count()).select_from(Post).where(
                Post.fetched_at >= since, Post.fetched_at < until)).one()
            assert volume["total"] == expected == sum(n for _, n in volume["by_day"]) \
                == sum(n for _, _, n in volume["by_source"])
            unknown = session.exec(select(func.count()).select_from(Post).where(
                Post.source_id == None, Post.fetched_at >= since, Post.fetched_at < until)).one()  # noqa: E711
            assert dict(((kind, name), n) for kind, name, n in volume["by_source"]).get(("unknown", "未知来源"), 0) \
                == unknown
            figures = repo.period_figures(session, viewer=ANALYST, since=since, until=until)
            assert figures["posts"] == expected


def test_the_issue_counts_kept_by_triggers_equal_counting_the_issues(board):
    """issue_volume_hour and issue_place_day are kept by triggers: after issues are added, moved in
    time and place, relabelled, merged, sent to triage and deleted, the board's figures, negative-share
    trend and street grid over ranges cut mid-hour and mid-day equal plain counts of the issues."""
    from sqlalchemy import case, delete, func

    from yuqing.clock import local_zone
    from yuqing.models import OPEN_ISSUE_STATUSES

    moment = now()
    with session_scope() as session:
        issues = session.exec(select(Issue).order_by(Issue.id)).all()
        for k, issue in enumerate(issues[:8]):
            issue.first_seen_at = moment - timedelta(hours=5 * k, minutes=13 * k)  # over hours, days and edges
            issue.sentiment = "negative" if k % 2 else issue.sentiment
            issue.urgency = 1 if k % 3 == 0 else issue.urgency
            issue.jurisdiction = None if k == 4 else ("changtai" if k % 2 else issue.jurisdiction)
            issue.needs_triage = k in (1, 5)
            issue.status = "merged" if k == 3 else ("closed" if k == 5 else issue.status)
            session.add(issue)
        session.flush()
        for k in range(3):
            session.add(Issue(title=f"新事件{k}", first_seen_at=moment - timedelta(minutes=40 + 70 * k),
                              last_seen_at=moment, status="new", sentiment="negative", urgency=2,
                              jurisdiction="kaiyuan", needs_triage=True))
        session.flush()
        session.exec(delete(Issue).where(Issue.title == "新事件1"))
    open_ = col(Issue.status).in_(OPEN_ISSUE_STATUSES)
    with session_scope() as session:
        for since, until in [(moment - timedelta(days=30), moment + timedelta(seconds=1)),
                             (moment - timedelta(hours=27, minutes=59), moment - timedelta(minutes=30)),
                             (moment - timedelta(minutes=50), moment - timedelta(minutes=20))]:
            period = (Issue.first_seen_at >= since, Issue.first_seen_at < until, Issue.status != "merged")
            expected = session.exec(select(
                func.count(), func.sum(case((Issue.sentiment == "negative", 1), else_=0)),
                func.sum(case((Issue.urgency <= 2, 1), else_=0)),
                func.sum(case(((Issue.needs_triage == True) & open_, 1), else_=0))).where(*period)).one()  # noqa: E712
            figures = repo.period_figures(session, viewer=ANALYST, since=since, until=until)
            assert (figures["issues"], figures["negative"], figures["urgent"], figures["triage"]) \
                == tuple(int(v or 0) for v in expected)
        since = moment - timedelta(hours=30, minutes=7)
        kept = [i for i in session.exec(select(Issue)).all()
                if i.status != "merged" and i.first_seen_at.replace(tzinfo=i.first_seen_at.tzinfo or local_zone()) >= since]
        days: dict[str, list[int]] = {}
        for issue in kept:
            day = days.setdefault(f"{issue.first_seen_at.astimezone(local_zone()):%Y-%m-%d}", [0, 0])
            day[0], day[1] = day[0] + 1, day[1] + (issue.sentiment == "negative")
        assert repo.issue_days(session, viewer=ANALYST, since=since) == sorted((d, n, neg) for d, (n, neg) in days.items())
        places: dict[str, int] = {}
        for issue in kept:
            places[issue.jurisdiction or "未知"] = places.get(issue.jurisdiction or "未知", 0) + 1
        assert dict(repo.issue_counts_by(session, viewer=ANALYST, field="jurisdiction", since=since)) == places


def test_the_triggers_open_statuses_are_the_models():
    from importlib import import_module

    from yuqing.models import OPEN_ISSUE_STATUSES

    migration = import_module("yuqing.migrations.versions.0013_dashboard_issue_volume")
    assert set(migration.OPEN_STATUSES) == {str(status) for status in OPEN_ISSUE_STATUSES}


def test_attention_finds_each_kind_of_deadline_within_a_day(board):
    """The next deadline within 24 h is found whichever it is (sign-for while unsigned, else response,
    else press conference); one passed or further off is not listed, nor a done assignment."""
    from yuqing.models import Assignment

    moment = now()
    with session_scope() as session:
        template = session.get(Assignment, board.assignment_a)
        cases = {  # issue title → (acknowledged, ack_due, response_due, press_due, status)
            "待签收": (None, moment + timedelta(hours=2), moment + timedelta(days=5), None, "notified"),
            "待答复": (moment, moment - timedelta(hours=1), moment + timedelta(hours=3), None, "acknowledged"),
            "待发布会": (moment, None, None, moment + timedelta(hours=20), "responding"),
            "已超期": (None, moment - timedelta(hours=1), moment + timedelta(hours=3), None, "notified"),
            "尚早": (moment, None, moment + timedelta(hours=30), None, "acknowledged"),
            "已答复": (moment, None, moment + timedelta(hours=3), None, "responded"),
        }
        ids = {}
        for title, (acknowledged, ack_due, response_due, press_due, status) in cases.items():
            issue = Issue(title=title, first_seen_at=moment, last_seen_at=moment, status="assigned", urgency=3)
            session.add(issue)
            session.flush()
            ids[title] = issue.id
            session.add(Assignment(issue_id=issue.id, unit_code=template.unit_code, rule_id=template.rule_id, status=status,
                                   acknowledged_at=acknowledged, ack_due=ack_due, response_due=response_due,
                                   press_due=press_due))
    with session_scope() as session:
        items = {item["id"]: item for item in repo.attention_items(session, viewer=ANALYST, at=moment)}
    assert {ids["待签收"], ids["待答复"], ids["待发布会"]} <= set(items)
    assert not {ids["已超期"], ids["尚早"], ids["已答复"]} & set(items)
    assert items[ids["待签收"]]["next_due"] == moment + timedelta(hours=2)
    assert items[ids["待发布会"]]["next_due"] == moment + timedelta(hours=20)
    order = [i for i in items if i in (ids["待签收"], ids["待答复"], ids["待发布会"])]
    assert order == [ids["待签收"], ids["待答复"], ids["待发布会"]]  # soonest first
