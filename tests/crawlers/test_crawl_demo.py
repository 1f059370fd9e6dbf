"""Real crawls of the running demo site into a fresh database: everything visible is stored once,
a second crawl finds only what was released since (and the posts whose reply appeared)."""

from __future__ import annotations

import pytest

from crawlers.runner import crawl
from crawlers.testsites.board import start_demo_site
from tests.crawlers.helpers import external_ids, register_demo_sources, stored_posts
from yuqing import repo
from yuqing.db import session_scope

pytestmark = pytest.mark.slow


@pytest.fixture
def site():
    with start_demo_site("127.0.0.1", 0, initial=60, release_every=0, reply_lag=8) as running:
        yield running


def test_first_crawl_stores_every_visible_message_then_only_new_ones(db, site):
    register_demo_sources(site.url)
    first = {r.source: r for r in crawl(["demo_board"])}["demo_board"]
    assert first.error is None, first.describe()
    visible = site.visible_ids()
    posts = stored_posts("demo_board")
    duplicates = first.dropped.get("duplicate_content", 0)
    assert first.stored == len(posts) == len(visible) - duplicates
    assert set(external_ids("demo_board")) <= set(visible)
    post = posts[0]
    assert post.url.startswith(site.url + "/messages/") and post.title and post.text
    assert post.published_at is not None and post.content_hash and post.simhash
    assert post.author_hash and len(post.author_hash) == 64
    assert not any(p.author_hash and p.author_hash.startswith("A0") for p in posts)
    raw_authors = {m.user for m in site.board.visible()}
    assert not raw_authors & {p.author_hash for p in posts}

    site.release(6)
    second = crawl(["demo_board"])[0]
    assert second.error is None, second.describe()
    now_visible = site.visible_ids()
    repeats = _dropped_duplicates(now_visible)
    assert second.stored == len(set(now_visible) - set(visible) - repeats) >= 5
    stored = external_ids("demo_board")
    assert set(stored) <= set(now_visible) and len(stored) == len(set(now_visible)) - len(repeats)
    # the second crawl read page 1 (and maybe 2), not the whole board again
    assert second.pages <= 1 + 2 + 6 + second.updated + 1
    assert second.skipped_known >= 20

    with session_scope() as session:
        health = {row["name"]: row for row in repo.source_health(session)}["demo_board"]
    assert health["consecutive_failures"] == 0 and health["last_items"] == second.stored
    assert health["total_items"] == first.stored + second.stored and health["last_ok_at"] is not None


def _dropped_duplicates(visible_ids: list[str]) -> set[str]:
    """Ids of messages whose exact content repeats another visible message (one of each pair is
    dropped by content hash; which one depends on the order the pages arrive)."""
    from crawlers.testsites.board import load_messages

    seen, repeats = set(), set()
    wanted = set(visible_ids)
    for message in load_messages():
        if message.msg_id not in wanted:
            continue
        key = (message.title, message.text)
        if key in seen:
            repeats.add(message.msg_id)
        seen.add(key)
    return repeats


def test_a_reply_that_appears_later_updates_the_stored_post(db, site):
    register_demo_sources(site.url)
    crawl(["demo_board"])
    pending = {p.external_id: p for p in stored_posts("demo_board") if p.reply_text is None}
    site.release(4)  # reply_lag=8: a message shows its reply 8 releases after its own release
    result = crawl(["demo_board"])[0]
    replied = [p for p in stored_posts("demo_board") if p.external_id in pending and p.reply_text]
    expected = [m.msg_id for i, m in enumerate(site.board.messages[:site.released])
                if m.msg_id in pending and site.board.reply_shown(i, site.released)]
    assert sorted(p.external_id for p in replied) == sorted(expected)
    assert result.updated == len(expected) >= 1
    assert all(p.reply_at is not None and p.updated_at is not None for p in replied)


def test_rss_source_skips_what_the_board_already_stored(db, site):
    register_demo_sources(site.url)
    crawl(["demo_board"])
    result = crawl(["demo_rss"])[0]
    assert result.error is None
    assert result.stored == 0 and result.skipped_known == 30
    assert len({p.url for p in stored_posts()}) == len(stored_posts())


def test_board_and_feed_crawled_side_by_side_in_one_process_store_each_message_once(db, site):
    register_demo_sources(site.url)
    results = {r.source: r for r in crawl(["demo_board", "demo_rss"])}
    assert results["demo_board"].error is None and results["demo_rss"].error is None
    assert results["demo_board"].log_file == results["demo_rss"].log_file  # one child process
    urls = [p.url for p in stored_posts()]
    assert len(urls) == len(set(urls))
    assert results["demo_board"].stored + results["demo_rss"].stored == len(urls) >= 30


def test_the_prefect_crawl_task_runs_again_and_again_in_one_process(db, site):
    """The task body (.fn, as the flow runs it) twice in one process: no reactor to restart."""
    from flows.pipeline import crawl_task

    register_demo_sources(site.url)
    first = crawl_task.fn("demo_board")
    site.release(3)
    second = crawl_task.fn("demo_board")
    assert first[0].startswith("demo_board: ") and "FAILED" not in first[0]
    assert second[0].startswith(("demo_board: 3 new", "demo_board: 2 new")) and "FAILED" not in second[0]


def test_one_failing_source_does_not_stop_the_others_in_the_same_pass(db, site):
    from tests.crawlers.helpers import add_source

    register_demo_sources(site.url)
    add_source("dead_feed", "rss", "http://127.0.0.1:9/feed.xml", {"retries": 0})
    add_source("bad_kind_config", "article", site.url + "/nothing-here.html", {"retries": 0, "single": True})
    results = {r.source: r for r in crawl(["dead_feed", "demo_board", "bad_kind_config"])}
    assert results["demo_board"].error is None and results["demo_board"].stored >= 30
    assert results["dead_feed"].error and results["bad_kind_config"].error
    with session_scope() as session:
        health = {row["name"]: row for row in repo.source_health(session)}
    assert health["dead_feed"]["consecutive_failures"] == 1 and health["demo_board"]["consecutive_failures"] == 0


def test_due_sources_follow_each_ones_cadence(db, site):
    from datetime import timedelta

    from yuqing.clock import now

    register_demo_sources(site.url)
    with session_scope() as session:
        assert set(repo.due_sources(session)) >= {"demo_board", "demo_rss"}  # never run: due now
    crawl(["demo_board", "demo_rss"])
    moment = now()
    with session_scope() as session:
        assert "demo_board" not in repo.due_sources(session, at=moment)
        assert "demo_board" in repo.due_sources(session, at=moment + timedelta(minutes=1))  # a board: every minute
        assert "demo_rss" not in repo.due_sources(session, at=moment + timedelta(minutes=1))  # a feed: every 5 minutes
        assert "demo_rss" in repo.due_sources(session, at=moment + timedelta(minutes=5))
        board = next(r for r in repo.source_health(session) if r["name"] == "demo_board")
    assert board["every"] == timedelta(minutes=1) and board["next_due_at"] > moment


def test_sources_command_shows_each_cadence_and_next_due_time(db, site):
    from click.testing import CliRunner

    from cli.main import main

    register_demo_sources(site.url)
    crawl(["demo_board"])
    shown = CliRunner().invoke(main, ["sources"])
    assert shown.exit_code == 0, shown.output
    board = next(line for line in shown.output.splitlines() if line.startswith("demo_board "))
    rss = next(line for line in shown.output.splitlines() if line.startswith("demo_rss "))
    assert "1分钟" in board  # a board: every minute
    assert "5分钟" in rss and "现在" in rss  # never crawled: due now
