"""The repo package on a real database (SQLite here, PostgreSQL with YUQING_TEST_DB=postgres): who may
see what, the crawl store, issue search, assignments and the one compliance rule (figures computed by
hand), the outbox claims, the stage leases and the model versions."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import select

from yuqing import repo
from yuqing.db import session_scope
from yuqing.errors import AccessDenied, NotFound
from yuqing.models import (
    Assignment,
    AssignmentStatus,
    Event,
    Issue,
    IssueStatus,
    ModelVersion,
    Notification,
    Post,
    PostMetric,
)
from yuqing.repo import Viewer

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
ANALYST = Viewer("ana", "analyst")
SUPERVISOR = Viewer("sup", "supervisor")
ADMIN = Viewer("root", "admin")
KAIYUAN = Viewer("u1", "unit", "kaiyuan")
LIZHONG = Viewer("u2", "unit", "lizhong")


def add_issue(session, title: str, **values) -> Issue:
    issue = Issue(title=title, summary=values.pop("summary", f"{title}的详情"), first_seen_at=T0, last_seen_at=T0,
                  **values)
    session.add(issue)
    session.flush()
    return issue


def add_assignment(session, issue: Issue, unit: str, status: str = AssignmentStatus.NOTIFIED, *, ack_h=None,
                   resp_h=None, due_h=48, role="lead") -> Assignment:
    """An assignment created at T0: sign-for due after 24 h, response after `due_h` hours."""
    assignment = Assignment(
        issue_id=issue.id, unit_code=unit, role=role, rule_id="r", status=status, created_at=T0,
        ack_due=T0 + timedelta(hours=24), response_due=T0 + timedelta(hours=due_h),
        acknowledged_at=T0 + timedelta(hours=ack_h) if ack_h is not None else None,
        responded_at=T0 + timedelta(hours=resp_h) if resp_h is not None else None)
    session.add(assignment)
    session.flush()
    return assignment


# ---------------------------------------------------------------- access


def test_roles():
    assert ANALYST.sees_everything and ANALYST.may_edit_issues
    assert SUPERVISOR.sees_everything and not SUPERVISOR.may_edit_issues
    assert Viewer.system("route").sees_everything and Viewer.system("route").username == "flow:route"
    assert not KAIYUAN.sees_everything and not KAIYUAN.may_edit_issues


def test_a_unit_sees_only_the_issues_assigned_to_it(db):
    with session_scope() as session:
        mine, theirs = add_issue(session, "开元路面塌陷"), add_issue(session, "鲤中噪音扰民")
        add_assignment(session, mine, "kaiyuan")
        add_assignment(session, theirs, "lizhong")
        ids = mine.id, theirs.id
    with session_scope() as session:
        assert repo.get_issue(session, viewer=KAIYUAN, issue_id=ids[0]).title == "开元路面塌陷"
        with pytest.raises(NotFound):
            repo.get_issue(session, viewer=KAIYUAN, issue_id=ids[1])
        assert [i.id for i in repo.search_issues(session, viewer=KAIYUAN)[0]] == [ids[0]]
        assert {i.id for i in repo.search_issues(session, viewer=SUPERVISOR)[0]} == set(ids)
        # an unknown role sees nothing rather than everything
        assert repo.search_issues(session, viewer=Viewer("x", "visitor"))[0] == []
        assert [a.unit_code for a in repo.list_assignments(session, viewer=KAIYUAN)] == ["kaiyuan"]
        assert len(repo.list_assignments(session, viewer=ANALYST)) == 2
        with pytest.raises(AccessDenied):
            repo.list_assignments(session, viewer=Viewer("x", "visitor"))
        other = repo.list_assignments(session, viewer=ANALYST, unit_code="lizhong")[0]
        with pytest.raises(AccessDenied):
            repo.get_assignment(session, viewer=KAIYUAN, assignment_id=other.id)


def test_a_unit_reads_the_issue_level_events_and_its_own_not_another_units(db):
    with session_scope() as session:
        issue = add_issue(session, "两个单位的事件")
        for unit in ("kaiyuan", "lizhong"):
            add_assignment(session, issue, unit, role="lead" if unit == "kaiyuan" else "co")
            repo.record_event(session, actor="flow:route", kind="routed", issue_id=issue.id, unit_code=unit)
        repo.record_event(session, actor="ana", kind="note", issue_id=issue.id, note="整体情况")
        issue_id = issue.id
    with session_scope() as session:
        assert [(e.kind, e.unit_code) for e in repo.timeline(session, viewer=KAIYUAN, issue_id=issue_id)] == [
            ("routed", "kaiyuan"), ("note", None)]
        assert len(repo.timeline(session, viewer=SUPERVISOR, issue_id=issue_id)) == 3


def test_district_wide_pages_are_closed_to_units(db):
    with session_scope() as session:
        for call in (lambda: repo.dashboard_overview(session, viewer=KAIYUAN, day_start=T0, day_end=T0),
                     lambda: repo.compliance_since(session, viewer=KAIYUAN, since=None),
                     lambda: repo.topic_spikes(session, viewer=KAIYUAN),
                     lambda: repo.dead_letters(session, viewer=SUPERVISOR),
                     lambda: repo.notification_counts(session, viewer=ANALYST),
                     lambda: repo.admin_users(session, viewer=ANALYST)):
            with pytest.raises(AccessDenied):
                call()
        assert repo.notification_counts(session, viewer=SUPERVISOR) == {}
        assert list(repo.admin_users(session, viewer=ADMIN)) == []


# ---------------------------------------------------------------- posts


def _post_row(source_id: int, n: int, **values) -> dict:
    row = Post(source_id=source_id, url=f"http://127.0.0.1:9/board/{n}", title=f"留言{n}", text=f"第{n}条",
               content_hash=values.pop("content_hash", f"h{n}"), **values)
    return row.model_dump(exclude={"id"})


def test_crawled_posts_are_stored_once_per_url(db):
    with session_scope() as session:
        source = repo.upsert_source(session, name="board", kind="board", url="http://127.0.0.1:9/board")
        first = repo.insert_crawled_posts(session, rows=[_post_row(source.id, n, crawl_signature="s1") for n in (1, 2)])
        assert sorted(first) == ["http://127.0.0.1:9/board/1", "http://127.0.0.1:9/board/2"]
        # another crawler stored post 2 first: it is skipped, not an error
        again = repo.insert_crawled_posts(session, rows=[_post_row(source.id, n) for n in (2, 3)])
        assert list(again) == ["http://127.0.0.1:9/board/3"]
        assert repo.insert_crawled_posts(session, rows=[]) == {}
        known = repo.known_posts(session, urls=["http://127.0.0.1:9/board/1", "http://127.0.0.1:9/board/9"])
        assert known == {"http://127.0.0.1:9/board/1": (first["http://127.0.0.1:9/board/1"], "s1")}
        assert repo.count_posts_to_analyze(session) == 3


def test_the_first_post_with_a_content_hash_is_the_original(db):
    with session_scope() as session:
        source = repo.upsert_source(session, name="board", kind="board", url="http://127.0.0.1:9/board")
        ids = repo.insert_crawled_posts(session, rows=[_post_row(source.id, n, content_hash="same") for n in (1, 2)])
        first = repo.first_posts_with_content(session, content_hashes=["same", "same", "other"])
    assert first == {"same": (ids["http://127.0.0.1:9/board/1"], source.id, None)}


def test_a_recrawl_keeps_engagement_current_with_one_point_per_change(db):
    with session_scope() as session:
        source = repo.upsert_source(session, name="board", kind="board", url="http://127.0.0.1:9/board")
        post_id = repo.insert_crawled_posts(session, rows=[_post_row(source.id, 1)])["http://127.0.0.1:9/board/1"]
        update = dict(post_id=post_id, signature="s2", likes=5, reposts=1, comments=2, views=0, reply_text=None,
                      reply_at=None)
        assert repo.update_crawled_post(session, **update) is True
        assert repo.update_crawled_post(session, **update) is False  # nothing changed: nothing written
        assert repo.update_crawled_post(session, **{**update, "reply_text": "已转交", "reply_at": T0}) is True
        with pytest.raises(NotFound):
            repo.update_crawled_post(session, **{**update, "post_id": post_id + 100})
    with session_scope() as session:
        post = session.get(Post, post_id)
        assert (post.likes, post.comments, post.reply_text, post.crawl_signature) == (5, 2, "已转交", "s2")
        assert len(session.exec(select(PostMetric).where(PostMetric.post_id == post_id)).all()) == 1


# ---------------------------------------------------------------- issues


def test_issue_search_filters_pages_and_orders_by_urgency_then_heat(db):
    with session_scope() as session:
        add_issue(session, "工地夜间施工噪音扰民", urgency=3, heat=5.0, topic="城乡建设")
        add_issue(session, "化工厂爆炸", urgency=1, heat=1.0, topic="安全生产")
        add_issue(session, "广场舞噪音", urgency=3, heat=9.0, topic="城乡建设", status=IssueStatus.CLOSED)
        add_issue(session, "噪音扰民已合并", urgency=2, status=IssueStatus.MERGED)
        repo.index_issues_for_search(session)
    with session_scope() as session:
        every, total = repo.search_issues(session, viewer=ANALYST)
        assert [i.title for i in every] == ["化工厂爆炸", "噪音扰民已合并", "广场舞噪音", "工地夜间施工噪音扰民"]
        assert total == 4
        page, total = repo.search_issues(session, viewer=ANALYST, limit=1, offset=1)
        assert [i.title for i in page] == ["噪音扰民已合并"] and total == 4
        found, total = repo.search_issues(session, viewer=ANALYST, query="噪音扰民", status=["new"])
        assert [i.title for i in found] == ["工地夜间施工噪音扰民"] and total == 1  # the merged one is not new
        assert repo.search_issues(session, viewer=ANALYST, topic="城乡建设", urgency=[3])[1] == 2
        # clustering joins open issues only
        open_titles = {i.title for i in repo.open_issues_since(session, since=T0 - timedelta(hours=1))}
        assert open_titles == {"工地夜间施工噪音扰民", "化工厂爆炸"}
        assert {i.title for i in repo.issues_to_route(session)} == open_titles


def test_issue_post_stats(db):
    with session_scope() as session:
        source = repo.upsert_source(session, name="board", kind="board", url="http://127.0.0.1:9/board")
        issue = add_issue(session, "停车难")
        repo.insert_crawled_posts(session, rows=[_post_row(source.id, n, likes=n, issue_id=issue.id) for n in (1, 2)])
        assert repo.issue_post_stats(session, issue_id=issue.id) == {"posts": 2, "sources": 1, "engagement": 3}


# ---------------------------------------------------------------- assignments and the one compliance rule


def _compliance_case(session) -> None:
    """Unit kaiyuan: one answered on time, one answered late, one signed but unanswered past its
    deadline, one never signed, one returned; lizhong: one unsigned with a later response deadline."""
    issue = add_issue(session, "合规")
    others = [add_issue(session, f"合规{n}") for n in range(5)]
    add_assignment(session, issue, "kaiyuan", AssignmentStatus.CLOSED, ack_h=1, resp_h=10)
    add_assignment(session, others[0], "kaiyuan", AssignmentStatus.RESPONDED, ack_h=3, resp_h=60)
    add_assignment(session, others[1], "kaiyuan", AssignmentStatus.ACKNOWLEDGED, ack_h=2)
    add_assignment(session, others[2], "kaiyuan", AssignmentStatus.NOTIFIED)
    add_assignment(session, others[3], "kaiyuan", AssignmentStatus.RETURNED)
    add_assignment(session, others[4], "lizhong", AssignmentStatus.NOTIFIED, due_h=100)
    for _ in range(2):
        repo.record_event(session, actor="flow:sla", kind="escalated", issue_id=issue.id, unit_code="kaiyuan",
                          at=T0 + timedelta(hours=50))


def test_compliance_figures_by_hand(db):
    with session_scope() as session:
        _compliance_case(session)
    with session_scope() as session:
        kaiyuan, lizhong = repo.compliance_since(session, viewer=SUPERVISOR, since=None, at=T0 + timedelta(hours=72))
    assert kaiyuan.unit_code == "kaiyuan" and kaiyuan.assignments == 5
    # done: closed + responded; on time: only the closed one (answered at 10 h of 48); overdue: the signed
    # one (response due at 48 h) and the unsigned one (sign-for due at 24 h); the returned one is neither
    assert (kaiyuan.done, kaiyuan.done_on_time, kaiyuan.open_overdue, kaiyuan.returned, kaiyuan.escalated) == (
        2, 1, 2, 1, 2)
    assert kaiyuan.on_time_rate == pytest.approx(1 / 4)
    assert kaiyuan.median_hours_to_sign == pytest.approx(2, abs=1e-3)  # signed at 1, 3 and 2 h
    assert kaiyuan.median_hours_to_respond == pytest.approx(35, abs=1e-3)  # answered at 10 and 60 h
    # lizhong never signed: overdue since 24 h although its response is due only at 100 h
    assert (lizhong.assignments, lizhong.open_overdue, lizhong.on_time_rate) == (1, 1, 0.0)
    assert lizhong.median_hours_to_sign is None
    with session_scope() as session:
        early = repo.compliance_since(session, viewer=SUPERVISOR, since=None, at=T0 + timedelta(hours=12))
        assert [row.open_overdue for row in early] == [0, 0]
        # the period counts assignments created in it (and escalations in it)
        assert repo.compliance_since(session, viewer=SUPERVISOR, since=T0 + timedelta(hours=1)) == []


def test_compliance_medians_equal_the_median_of_every_duration(db, monkeypatch):
    """The medians read from the middle of each unit's index range equal statistics.median over every
    assignment of the period: odd and even counts, ties, units with one or no signed assignment,
    assignments just outside the period's bounds and periods with nothing in them."""
    import random
    from statistics import median

    rng = random.Random(17)
    units = ["kaiyuan", "lizhong", "fuqiao", "haibin", "jinlong"]  # and changtai, linjiang below
    made = []
    with session_scope() as session:
        for n in range(160):
            unit = units[0] if n == 0 else rng.choice(units[1:]) if n % 9 else "kaiyuan"
            created = T0 + timedelta(hours=rng.randrange(0, 240))
            ack = rng.choice([None, rng.randrange(0, 40) / 2, 3.0])  # halves and a frequent value: ties
            resp = None if ack is None or rng.random() < 0.3 else ack + rng.randrange(0, 200) / 4
            session.add(Assignment(issue_id=add_issue(session, f"中位{n}").id, unit_code=unit, rule_id="r", created_at=created,
                                   status=AssignmentStatus.RESPONDED if resp is not None else AssignmentStatus.NOTIFIED,
                                   ack_due=created + timedelta(hours=24), response_due=created + timedelta(hours=48),
                                   acknowledged_at=None if ack is None else created + timedelta(hours=ack),
                                   responded_at=None if resp is None else created + timedelta(hours=resp)))
            made.append((unit, created, ack, resp))
        # on the bounds of the third period (kept at since, left out at until); a unit with one signed
        # assignment there and a unit with none signed
        for unit, hour, ack, resp in (("changtai", 17, 5.0, None), ("changtai", 121, 1.0, 2.0),
                                      ("changtai", 50, None, None), ("linjiang", 60, None, None)):
            created = T0 + timedelta(hours=hour)
            session.add(Assignment(issue_id=add_issue(session, f"边界{unit}{hour}").id, unit_code=unit, rule_id="r",
                                   created_at=created, status=AssignmentStatus.NOTIFIED,
                                   ack_due=created + timedelta(hours=24), response_due=created + timedelta(hours=48),
                                   acknowledged_at=None if ack is None else created + timedelta(hours=ack),
                                   responded_at=None if resp is None else created + timedelta(hours=resp)))
            made.append((unit, created, ack, resp))
    periods = [(None, None), (T0 + timedelta(hours=30), None), (T0 + timedelta(hours=17), T0 + timedelta(hours=121)),
               (T0 + timedelta(hours=100), T0 + timedelta(hours=101)), (T0 + timedelta(hours=500), None)]
    monkeypatch.setattr("yuqing.repo.compliance.MEDIAN_PARTS", 3)  # the units' parts read in several queries
    checked = set()
    for since, until in periods:
        inside = [m for m in made if (since is None or m[1] >= since) and (until is None or m[1] < until)]
        with session_scope() as session:
            rows = repo.compliance_since(session, viewer=SUPERVISOR, since=since, until=until,
                                         at=T0 + timedelta(hours=300))
        assert sorted(r.unit_code for r in rows) == sorted({m[0] for m in inside})
        for row in rows:
            for got, which in ((row.median_hours_to_sign, 2), (row.median_hours_to_respond, 3)):
                hours = [m[which] for m in inside if m[0] == row.unit_code and m[which] is not None]
                assert got == (pytest.approx(median(hours), abs=1e-6) if hours else None), (since, until, row.unit_code)
                checked.add(("none", "one")[len(hours)] if len(hours) < 2 else ("even", "odd")[len(hours) % 2])
    assert checked == {"none", "one", "even", "odd"}


def test_overdue_lists_follow_the_same_rule(db):
    with session_scope() as session:
        _compliance_case(session)
    at = T0 + timedelta(hours=72)
    with session_scope() as session:
        rows, total = repo.overdue_page(session, viewer=SUPERVISOR, at=at)
        assert total == 3
        # most overdue first, by the deadline each one missed: the two never signed (sign-for due at 24 h)
        # before the signed one (response due at 48 h)
        assert sorted([(a.unit_code, a.status) for a, _ in rows][:2]) == [("kaiyuan", "notified"), ("lizhong", "notified")]
        assert (rows[2][0].unit_code, rows[2][0].status) == ("kaiyuan", "acknowledged")
        mine, total = repo.overdue_page(session, viewer=KAIYUAN, at=at)
        assert total == 2 and {a.unit_code for a, _ in mine} == {"kaiyuan"}
        every = [a.id for a in repo.list_assignments(session, viewer=SUPERVISOR)]
        assert repo.overdue_ids(session, viewer=SUPERVISOR, assignment_ids=every, at=at) == {a.id for a, _ in rows}
        lizhong = next(a.id for a, _ in rows if a.unit_code == "lizhong")
        assert repo.overdue_ids(session, viewer=LIZHONG, assignment_ids=every, at=at) == {lizhong}
        assert repo.overdue_ids(session, viewer=SUPERVISOR, assignment_ids=[], at=at) == set()


def test_overdue_pages_follow_the_next_deadline_across_kinds_and_statuses(db):
    """The overdue list is read in parts (by the deadline that orders each one, per status); its pages
    must equal every overdue assignment sorted by that deadline and id, as one query would give."""
    import random

    rng = random.Random(7)
    at = T0 + timedelta(hours=100)
    with session_scope() as session:
        for n in range(90):
            issue = add_issue(session, f"超期顺序{n}")
            status = rng.choice([AssignmentStatus.NOTIFIED, AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.RESPONDING,
                                 AssignmentStatus.RESPONDED, AssignmentStatus.RETURNED])
            signed = status != AssignmentStatus.NOTIFIED or rng.random() < 0.2
            # deadlines shared across kinds on purpose (ties are ordered by id); some have only a press
            # conference deadline, some both (the response deadline counts), some no sign-for deadline
            due = T0 + timedelta(hours=rng.choice([30, 60, 99, 120]))
            press = {0: due, 1: due - timedelta(hours=10)}.get(n % 4)
            session.add(Assignment(
                issue_id=issue.id, unit_code=rng.choice(["kaiyuan", "lizhong"]), role="lead", rule_id="r",
                status=status, created_at=T0, acknowledged_at=T0 + timedelta(hours=1) if signed else None,
                ack_due=T0 + timedelta(hours=rng.choice([20, 30, 60, 110])) if rng.random() < 0.9 else None,
                response_due=None if n % 4 == 0 else due, press_due=press))
    with session_scope() as session:
        every = repo.list_assignments(session, viewer=SUPERVISOR)
        late = set(repo.overdue_ids(session, viewer=SUPERVISOR, assignment_ids=[a.id for a in every], at=at))

        def next_due(a):
            if a.acknowledged_at is None and a.ack_due is not None:
                return a.ack_due
            return a.response_due or a.press_due

        expected = [a.id for a in sorted((a for a in every if a.id in late), key=lambda a: (next_due(a), a.id))]
        assert 20 < len(expected) < 90
        pages = [repo.overdue_page(session, viewer=SUPERVISOR, at=at, limit=7, offset=start)
                 for start in range(0, len(expected) + 7, 7)]
        assert [a.id for rows, _ in pages for a, _ in rows] == expected
        assert {total for _, total in pages} == {len(expected)}
        units = {a.id: a.unit_code for a in every}
        for viewer, unit_code, unit in ((KAIYUAN, None, "kaiyuan"), (SUPERVISOR, "lizhong", "lizhong")):
            theirs = [i for i in expected if units[i] == unit]
            paged = [a.id for start in range(0, len(theirs) + 5, 5) for a, _ in repo.overdue_page(
                session, viewer=viewer, at=at, unit_code=unit_code, limit=5, offset=start)[0]]
            assert paged == theirs and len(theirs) > 5


def test_a_units_inbox_and_its_returned_work(db):
    with session_scope() as session:
        _compliance_case(session)
    with session_scope() as session:
        rows, total = repo.unit_inbox(session, viewer=KAIYUAN, unit_code="lizhong")  # a unit reads its own
        assert total == 5 and {a.unit_code for a, _ in rows} == {"kaiyuan"}
        rows, total = repo.unit_inbox(session, viewer=ANALYST, unit_code="lizhong",
                                      status=[AssignmentStatus.NOTIFIED])
        assert total == 1 and rows[0][1].title == "合规4"
        assert repo.unit_inbox(session, viewer=ANALYST) == ([], 0)
        with pytest.raises(AccessDenied):
            repo.unit_inbox(session, viewer=Viewer("x", "visitor"), unit_code="kaiyuan")
        returned = session.exec(select(Assignment).where(Assignment.status == AssignmentStatus.RETURNED)).one()
        assert repo.returned_units(session, issue_id=returned.issue_id) == {"kaiyuan"}
        assert repo.existing_assignment(session, issue_id=returned.issue_id, unit_code="kaiyuan").id == returned.id
        assert repo.existing_assignment(session, issue_id=returned.issue_id, unit_code="lizhong") is None


# ---------------------------------------------------------------- outbox


def test_a_notification_is_queued_once_and_claimed_by_one_worker(db):
    with session_scope() as session:
        first = repo.enqueue_notification(session, channel="email", target="a@example.org", subject="交办",
                                          body="正文", dedupe_key="assignment:1:new")
        assert first is not None
        assert repo.enqueue_notification(session, channel="email", target="a@example.org", subject="交办",
                                         body="正文", dedupe_key="assignment:1:new") is None
        due = first.next_attempt_at
    at = due + timedelta(seconds=1)
    with session_scope() as session:
        assert repo.claim_notifications(session, worker="w1", at=at, until=at + timedelta(minutes=5)) == [first.id]
        assert repo.claim_notifications(session, worker="w2", at=at, until=at + timedelta(minutes=5)) == []
        assert repo.local_claimants(session, at=at) == ["w1"]
    later = at + timedelta(minutes=6)  # w1's lease ran out: w2 may take the row
    with session_scope() as session:
        until = later + timedelta(minutes=5)
        assert repo.claim_notifications(session, worker="w2", at=later, until=until) == [first.id]
        # w2 known dead: its row is due again at once
        assert repo.release_claims_of(session, worker="w2", at=later) == 1
    with session_scope() as session:
        row = session.get(Notification, first.id)
        assert (row.status, row.claimed_by, row.claimed_until) == ("failed", None, None)
        assert repo.local_claimants(session, at=later) == []
        assert [n.id for n in repo.list_notifications(session, status=["failed"])] == [first.id]
        assert repo.notification_counts(session, viewer=ADMIN) == {"failed": 1}


# ---------------------------------------------------------------- stage leases


def test_one_holder_per_stage_until_its_lease_runs_out(db):
    with session_scope() as session:
        assert repo.acquire_stage_lease(session, name="analyze", holder="a", until=T0 + timedelta(minutes=5), at=T0)
    with session_scope() as session:
        assert not repo.acquire_stage_lease(session, name="analyze", holder="b", until=T0 + timedelta(minutes=5),
                                            at=T0 + timedelta(minutes=1))
        # the holder itself may take it again, and a named dead holder may be taken over at once
        assert repo.acquire_stage_lease(session, name="analyze", holder="a", until=T0 + timedelta(minutes=6), at=T0)
        assert repo.renew_stage_lease(session, name="analyze", holder="a", until=T0 + timedelta(minutes=10))
        assert not repo.renew_stage_lease(session, name="analyze", holder="b", until=T0 + timedelta(minutes=10))
        assert repo.stage_holder(session, name="analyze") == "a"
        assert repo.acquire_stage_lease(session, name="analyze", holder="b", until=T0 + timedelta(minutes=20),
                                        at=T0 + timedelta(minutes=1), take_over="a")
    with session_scope() as session:
        repo.release_stage_lease(session, name="analyze", holder="a", at=T0, summary="late")  # no longer a's
        assert repo.stage_holder(session, name="analyze") == "b"
        repo.release_stage_lease(session, name="analyze", holder="b", at=T0 + timedelta(minutes=2), summary="ok")
    with session_scope() as session:
        assert repo.stage_holder(session, name="analyze") is None
        # after the lease ran out, anyone may hold the stage
        assert repo.acquire_stage_lease(session, name="route", holder="c", until=T0 + timedelta(minutes=1), at=T0)
        assert repo.acquire_stage_lease(session, name="route", holder="d", until=T0 + timedelta(minutes=9),
                                        at=T0 + timedelta(minutes=2))
        assert repo.stage_holder(session, name="route") == "d"
        assert repo.stage_holder(session, name="never") is None


# ---------------------------------------------------------------- model versions


def _card(version: str, accuracy: float) -> SimpleNamespace:
    return SimpleNamespace(version=version, data_sha256="ab" * 32,
                           metrics={"accuracy": accuracy, "macro_f1": 0.8, "per_class": {"城乡建设": {"f1": 0.9}}})


def test_model_versions_are_registered_once_and_the_newest_is_active(db, tmp_path):
    with session_scope() as session:
        cards = {"topic": _card("topic-1", 0.9), "sentiment": _card("s-1", 0.88)}
        rows = repo.register_model_cards(session, cards=cards, model_dir=tmp_path)
        assert [(r.kind, r.version, r.active) for r in rows] == [("sentiment", "s-1", True), ("topic", "topic-1", True)]
        assert rows[1].path == str(tmp_path / "topic.joblib")
        assert rows[1].metrics == {"accuracy": 0.9, "macro_f1": 0.8}  # the headline figures, not the table
    with session_scope() as session:  # the analyse stage loading the same models again: nothing new
        repo.register_model_cards(session, cards={"topic": _card("topic-1", 0.9)}, model_dir=tmp_path)
        repo.register_model_cards(session, cards={"topic": _card("topic-2", 0.91)}, model_dir=tmp_path)
    with session_scope() as session:
        listed = [(m.kind, m.version, m.active) for m in repo.list_model_versions(session)]
        assert sorted(listed) == [("sentiment", "s-1", True), ("topic", "topic-1", False), ("topic", "topic-2", True)]
        assert len(session.exec(select(ModelVersion)).all()) == 3
        # going back to an earlier model makes it active again rather than adding a row
        repo.register_model_cards(session, cards={"topic": _card("topic-1", 0.9)}, model_dir=tmp_path)
        active = {m.version for m in repo.list_model_versions(session) if m.active}
        assert active == {"s-1", "topic-1"}


def test_events_are_recorded_once_per_dedupe_key(db):
    with session_scope() as session:
        issue = add_issue(session, "提醒")
        repo.record_event(session, actor="flow:sla", kind="reminded", issue_id=issue.id, dedupe_key="remind:1")
        assert repo.event_key_used(session, dedupe_key="remind:1")
        assert not repo.event_key_used(session, dedupe_key="remind:2")
        assert session.exec(select(Event).where(Event.kind == "reminded")).one().at is not None
