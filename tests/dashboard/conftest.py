"""A board seeded through the product's own functions: real citizen messages stored with
repo.insert_crawled_posts, their analyses saved with repo.save_analyses (labels fixed per message so the tests
know what to expect), grouped and routed by flows.stages, plus users of every role."""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "messages.csv"
APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
PASSWORD = "correct-horse-battery"
HOSTILE_TITLE = "<b>开元街道</b>紧急 [点我](http://evil.example/x) ![track](http://evil.example/p.png)"
HOSTILE_TEXT = ("<script>alert('xss')</script><img src=x onerror=alert(1)> 开元街道中山路噪音扰民，"
                "**夜间施工** 持续一周 ![img](http://evil.example/i.png) [详情](javascript:alert(2))")


@dataclass
class Board:
    issue_a: int  # routed to UNIT_A
    issue_b: int  # routed to UNIT_B only
    hostile: int  # the issue holding the hostile post
    assignment_a: int


UNIT_A, UNIT_B = "kaiyuan", "lizhong"


def _messages() -> list[dict]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def seed_board(licheng, *, messages: int = 24) -> Board:
    from flows.stages import cluster_new_posts, route_manually, route_new_issues
    from yuqing import auth, repo
    from yuqing.clock import now
    from yuqing.db import session_scope
    from yuqing.models import Post
    from yuqing.repo import Viewer

    moment = now()
    with session_scope() as session:
        source = repo.upsert_source(session, name="问政留言板", kind="board", url="http://127.0.0.1:9/board")
        repo.record_source_run(session, name="问政留言板", items=messages + 1)
        posts = [Post(source_id=source.id, url=f"http://127.0.0.1:9/board/{row['msg_id']}", external_id=row["msg_id"],
                      title=row["title"], text=row["text"], likes=int(row["likes"] or 0),
                      content_hash=f"h{row['msg_id']}", published_at=moment - timedelta(hours=2, minutes=index))
                 for index, row in enumerate(_messages()[:messages])]
        posts.append(Post(source_id=source.id, url="http://127.0.0.1:9/board/hostile", title=HOSTILE_TITLE,
                          text=HOSTILE_TEXT, content_hash="hostile", published_at=moment - timedelta(minutes=30)))
        repo.insert_crawled_posts(session, rows=[post.model_dump(exclude={"id"}) for post in posts])
        for username, role, unit in (("ana", "analyst", None), ("sup", "supervisor", None), ("root", "admin", None),
                                     ("unit_a", "unit", UNIT_A), ("unit_b", "unit", UNIT_B)):
            auth.create_user(session, username=username, password=PASSWORD, role=role, unit_code=unit)
    with session_scope() as session:
        repo.save_analyses(session, pairs=[(post, _analysis(post)) for post in repo.posts_to_analyze(session, limit=1000)])
    cluster_new_posts(profile=licheng)
    route_new_issues(profile=licheng)
    analyst = Viewer("ana", "analyst")
    with session_scope() as session:
        hostile = session.exec(_select_post("http://127.0.0.1:9/board/hostile")).one().issue_id
        others = [i.id for i in repo.search_issues(session, viewer=analyst, limit=500)[0] if i.id != hostile]
        issue_a, issue_b = others[0], others[1]
        # deterministic ownership for the access tests, through the analysts' own routing function
        assignment = route_manually(session, viewer=analyst, issue_id=issue_a, unit_code=UNIT_A, profile=licheng)
        route_manually(session, viewer=analyst, issue_id=issue_b, unit_code=UNIT_B, profile=licheng)
        route_manually(session, viewer=analyst, issue_id=hostile, unit_code=UNIT_A, profile=licheng)
        for issue_id in (issue_b,):
            for other in repo.assignments_of_issue(session, viewer=analyst, issue_id=issue_id):
                assert other.unit_code != UNIT_A or issue_id != issue_b, "issue_b must not be visible to UNIT_A"
        return Board(issue_a=issue_a, issue_b=issue_b, hostile=hostile, assignment_a=assignment.id)


TOPICS = ["城乡建设", "劳动和社会保障", "教育文体", "商贸旅游", "环境保护", "卫生计生", "交通运输"]
STREETS = [("kaiyuan", "开元街道"), ("lizhong", "鲤中街道"), ("haibin", "海滨街道"), ("changtai", "常泰街道")]


def _analysis(post):
    from nlp.simhash import simhash
    from nlp.tokenize import content_tokens
    from yuqing.models import Analysis

    tokens = content_tokens(f"{post.title} {post.text}")
    post.simhash = simhash(tokens)
    index = post.id
    code, street = STREETS[index % len(STREETS)]
    hostile = post.content_hash == "hostile"
    return Analysis(
        post_id=post.id, model_version="test-fixed-labels", topic="城乡建设" if hostile else TOPICS[index % len(TOPICS)],
        topic_prob=0.88, topic_level2="噪音扰民" if hostile else None, urgency=2 if hostile else 3,
        urgency_score=0.7 if hostile else 0.2, urgency_signals=["持续一周", "夜间施工"] if hostile else [],
        sentiment="negative" if index % 3 else "neutral", sentiment_score=-0.6, places=[street],
        jurisdiction=code, keywords=[t for t in tokens if len(t) > 1][:8], relevant=True, relevance_score=0.9)


def _select_post(url: str):
    from sqlmodel import select

    from yuqing.models import Post

    return select(Post).where(Post.url == url)


@pytest.fixture(scope="session")
def board_template(tmp_path_factory, licheng):
    """Seed once per session into a SQLite folder; each test gets a copy (seeding costs seconds)."""
    from yuqing import repo
    from yuqing.db import dispose_engines, get_engine, session_scope
    from yuqing.migrate import upgrade
    from yuqing.settings import reset_settings_cache

    folder = tmp_path_factory.mktemp("board") / "var"
    patch = pytest.MonkeyPatch()
    patch.setenv("YUQING_DATA_DIR", str(folder))
    patch.delenv("YUQING_DATABASE_URL", raising=False)
    reset_settings_cache()
    dispose_engines()
    try:
        upgrade(get_engine())
        with session_scope() as session:
            repo.sync_units(session, units=licheng.units.values())
        board = seed_board(licheng)
    finally:
        dispose_engines()
        patch.undo()
        reset_settings_cache()
    return folder, board


@pytest.fixture
def board(request, settings_env, licheng, tmp_path, monkeypatch) -> Board:
    """A seeded board in this test's own database (a copy of the template; seeded afresh on PostgreSQL).
    The profile folder is a private copy too, so admin edits never touch config/."""
    from yuqing.db import dispose_engines
    from yuqing.settings import reset_settings_cache

    config = tmp_path / "config"
    shutil.copytree(settings_env.config_dir / "profiles" / "licheng", config / "profiles" / "licheng")
    monkeypatch.setenv("YUQING_CONFIG_DIR", str(config))
    reset_settings_cache()
    if settings_env.database_url:  # the suite runs on PostgreSQL: seed this test's database
        request.getfixturevalue("db")
        return seed_board(licheng)
    folder, board = request.getfixturevalue("board_template")
    dispose_engines()
    shutil.copytree(folder, settings_env.data_dir, dirs_exist_ok=True)
    return board


def login_state(username: str) -> dict:
    from yuqing import repo
    from yuqing.db import session_scope

    with session_scope() as session:
        user = repo.get_user(session, username=username)
        return {"username": user.username, "role": user.role, "unit_code": user.unit_code,
                "display_name": user.display_name}


def app_as(username: str | None, page: str | None = None, *, timeout: float = 60):
    """An AppTest of the real app, logged in as `username` (None: logged out), on `page`."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=timeout)
    if username:
        at.session_state["auth"] = login_state(username)
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


