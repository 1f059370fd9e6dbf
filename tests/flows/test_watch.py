"""监测方案 in the database: matching at ingest (in the analyse stage, relevant or not), back-fill over
history in keyset batches, filters, edits, and no doubled match across two workers. Runs on
PostgreSQL too (YUQING_TEST_DB=postgres)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func
from sqlmodel import select

from flows import watch
from nlp.query import parse
from tests.flows.seed import messages, run_side_by_side, seed_posts
from yuqing import repo
from yuqing.clock import now
from yuqing.db import session_scope
from yuqing.errors import BadInput, NotFound
from yuqing.models import Post, SchemeMatch, Source


def _matches(name: str) -> set[int]:
    with session_scope() as session:
        scheme = repo.get_scheme(session, name=name)
        return set(session.exec(select(SchemeMatch.post_id).where(SchemeMatch.scheme_id == scheme.id)).all())


def _expected(query: str, rows) -> int:
    q = parse(query)
    return sum(1 for row in rows if q.match(f"{row['title']}\n{row['text']}") is not None)


def test_new_scheme_is_backfilled_in_batches_and_a_rerun_adds_nothing(db):
    seed_posts(40, copies=2)
    watch.create(name="物业", query="物业 OR (小区 AND 停车)")
    report = watch.backfill(batch_size=7)
    expected = 2 * _expected("物业 OR (小区 AND 停车)", messages()[:40])
    assert expected > 0
    assert report.matches == expected == len(_matches("物业"))
    assert report.posts == 80
    with session_scope() as session:
        scheme = repo.get_scheme(session, name="物业")
        assert scheme.backfilled_version == scheme.version
    again = watch.backfill()
    assert again.schemes == 0 and len(_matches("物业")) == expected


def test_an_interrupted_backfill_resumes_at_its_cursor(db):
    seed_posts(30, copies=1)
    watch.create(name="A市", query="A市")
    first = watch.backfill(batch_size=10, limit_batches=1)
    assert first.posts == 10
    rest = watch.backfill(batch_size=10)
    assert rest.posts == 20
    assert len(_matches("A市")) == _expected("A市", messages()[:30])


def test_editing_a_scheme_drops_old_matches_and_backfills_the_new_version(db):
    seed_posts(30, copies=1)
    watch.create(name="s", query="物业")
    watch.backfill()
    assert watch.edit("s", query="学校") is True
    assert _matches("s") == set()
    watch.backfill()
    assert len(_matches("s")) == _expected("学校", messages()[:30])
    assert watch.edit("s", query="学校") is False  # nothing changed: no new version


def test_places_and_sources_filter(db):
    seed_posts(25, copies=1)  # streets cycle kaiyuan, lizhong, haibin, changtai, none
    watch.create(name="开元", query="A市", places=["kaiyuan"])
    watch.create(name="别的源", query="A市", sources=["another-board"])
    watch.create(name="本源", query="A市", sources="seed-board")
    watch.backfill()
    everything = _expected("A市", messages()[:25])
    assert 0 < len(_matches("开元")) < everything
    assert _matches("别的源") == set()
    assert len(_matches("本源")) == everything


def test_bad_schemes_are_refused_with_reasons(db):
    with pytest.raises(BadInput, match="第 .* 个字符"):
        watch.create(name="坏", query="(拆迁 OR")
    watch.create(name="好", query="拆迁")
    with pytest.raises(BadInput, match="已有名为"):
        watch.create(name="好", query="征收")
    with pytest.raises(NotFound):
        watch.edit("没有", query="x")


def test_two_workers_backfilling_at_once_never_double_a_match(db):
    seed_posts(60, copies=1)
    watch.create(name="A市", query="A市")
    run_side_by_side(lambda: watch.backfill(batch_size=5), workers=2)
    with session_scope() as session:
        rows = session.exec(select(func.count()).select_from(SchemeMatch)).one()
    assert rows == len(_matches("A市")) == _expected("A市", messages()[:60])
    with session_scope() as session:  # and matching the same posts again inserts nothing
        scheme_id = repo.get_scheme(session, name="A市").id
        assert repo.insert_matches(session, rows=[
            {"scheme_id": scheme_id, "post_id": pid, "matched_terms": ["a市"], "matched_at": now()}
            for pid in _matches("A市")
        ]) == 0


def test_every_post_is_matched_at_ingest_relevant_or_not(db):
    from flows.stages import analyze_new_posts

    watch.create(name="拆迁", query="鲤城 AND (拆迁 OR 征收) NOT 招聘")
    watch.create(name="暂停的", query="拆迁")
    watch.set_active("暂停的", False)
    texts = {
        "trad": ("鯉城區拆遷補償不公", "鯉城區江南街道的房屋拆遷補償標準太低，居民要求重新評估。"),
        "irrelevant": ("鲤城征收", "鲤城征收 鲤城征收 鲤城征收"),
        "excluded": ("鲤城拆迁公司招聘", "鲤城拆迁公司招聘工人，月薪面议。"),
        "other": ("公交线路调整", "希望调整6路公交车的运行路线。"),
    }
    with session_scope() as session:
        source = Source(name="board", kind="board", url="http://127.0.0.1/board")
        session.add(source)
        session.flush()
        for key, (title, text) in texts.items():
            session.add(Post(source_id=source.id, url=f"http://127.0.0.1/{key}", title=title, text=text,
                             content_hash=key))
    assert analyze_new_posts() == 4
    with session_scope() as session:
        urls = {p.id: p.url.rsplit("/", 1)[1] for p in session.exec(select(Post)).all()}
    assert {urls[i] for i in _matches("拆迁")} == {"trad", "irrelevant"}
    assert _matches("暂停的") == set()
    # resuming back-fills what arrived during the pause
    watch.set_active("暂停的", True)
    watch.backfill()
    assert {urls[i] for i in _matches("暂停的")} == {"trad", "excluded"}


def test_scheme_commands(db):
    from cli.main import main

    seed_posts(10, copies=1)
    runner = CliRunner()
    result = runner.invoke(main, ["scheme", "add", "小区", "--query", "小区 NOT 学校"])
    assert result.exit_code == 0, result.output
    assert "已新建监测方案" in result.output and "新增命中" in result.output
    bad = runner.invoke(main, ["scheme", "add", "坏", "--query", "小区 AND"])
    assert bad.exit_code == 2 and "字符" in bad.output
    listed = runner.invoke(main, ["scheme", "list"])
    assert "小区" in listed.output and "已回溯" in listed.output
    assert runner.invoke(main, ["scheme", "edit", "小区", "--query", "物业"]).exit_code == 0
    assert len(_matches("小区")) == _expected("物业", messages()[:10])
    assert runner.invoke(main, ["scheme", "pause", "小区"]).exit_code == 0
    assert "已暂停" in runner.invoke(main, ["scheme", "list"]).output
    assert runner.invoke(main, ["scheme", "resume", "小区"]).exit_code == 0
    assert "已回溯" in runner.invoke(main, ["scheme", "backfill"]).output or True
    gone = runner.invoke(main, ["scheme", "delete", "小区", "--yes"])
    assert gone.exit_code == 0 and "已删除" in gone.output
    assert runner.invoke(main, ["scheme", "delete", "小区", "--yes"]).exit_code != 0
