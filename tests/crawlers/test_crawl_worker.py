"""The long-lived crawl worker: passes without a process start, the same results as a one-shot
crawl, a new worker when one is killed midway (nothing lost or doubled), and a new worker when the
settings it was started with change."""

from __future__ import annotations

import time

import pytest

from crawlers.runner import crawl, persistent_worker
from crawlers.state import write_state
from crawlers.testsites.board import start_demo_site
from tests.crawlers.helpers import external_ids, register_demo_sources, stored_posts
from yuqing import repo
from yuqing.db import session_scope


@pytest.fixture
def worker():
    handle = persistent_worker()
    yield handle
    handle.close()


def test_passes_reuse_one_worker_process_and_store_each_message_once(db, worker):
    with start_demo_site("127.0.0.1", 0, initial=30, release_every=0) as site:
        register_demo_sources(site.url)
        first = {r.source: r for r in crawl(["demo_board", "demo_rss"], persistent=True)}
        pid = worker._process.pid
        assert first["demo_board"].error is None and first["demo_rss"].error is None
        site.release(3)
        second = crawl(["demo_board"], persistent=True)[0]
        assert worker._process.pid == pid  # no process start for the second pass
        assert second.error is None and second.stored == 3
        ids = external_ids("demo_board")
        assert len(ids) == len(set(ids))


def test_a_worker_killed_midway_is_replaced_and_the_next_pass_finishes_the_work(db, worker):
    import threading

    with start_demo_site("127.0.0.1", 0, initial=120, release_every=0, delay=0.03) as site:
        register_demo_sources(site.url, concurrency=2, stop_after_known=5)
        crawl(["demo_rss"], persistent=True)  # the worker is up
        first_pid = worker._process.pid
        killer = threading.Timer(1.5, worker._process.kill)
        killer.start()
        killed = crawl(["demo_board"], persistent=True)[0]
        killer.join()
        assert killed.error and "died" in killed.error
        again = crawl(["demo_board"], persistent=True)[0]
        assert again.error is None, again.describe()
        assert worker._process.pid != first_pid
        urls = [p.url for p in stored_posts()]  # the feed stored the newest 30 first, the board the rest
        assert len(urls) == len(set(urls)) == len({(m.title, m.text) for m in site.board.visible()})


def test_a_changed_setting_starts_a_new_worker(db, worker, monkeypatch, tmp_path):
    with start_demo_site("127.0.0.1", 0, initial=10, release_every=0) as site:
        register_demo_sources(site.url)
        crawl(["demo_rss"], persistent=True)
        pid = worker._process.pid
        monkeypatch.setenv("YUQING_CRAWL_USER_AGENT", "yuqing-test/2 (+contact)")
        crawl(["demo_rss"], persistent=True)
        assert worker._process.pid != pid


def test_a_source_that_cannot_even_start_fails_alone_and_the_pass_ends(db, worker, monkeypatch):
    # a source whose settings cannot be built (here a malformed config value; in life also a spider
    # module that fails to import) used to take the whole pass down before its `done` line, leaving
    # the parent waiting for the crawl timeout
    monkeypatch.setenv("YUQING_CRAWL_TIMEOUT_SECONDS", "90")
    with start_demo_site("127.0.0.1", 0, initial=10, release_every=0) as site:
        specs = register_demo_sources(site.url)
        board = next(spec for spec in specs if spec.name == "demo_board")
        with session_scope() as session:
            repo.upsert_source(session, name="broken_board", kind=board.kind, url=board.url,
                               config={**board.config_dict(), "concurrency": "many"})
        results = {r.source: r for r in crawl(["broken_board", "demo_board"], persistent=True)}
        assert results["broken_board"].error and "ValueError" in results["broken_board"].error
        assert results["demo_board"].error is None and results["demo_board"].stored == 10
        pid = worker._process.pid
        site.release(2)
        again = crawl(["demo_board"], persistent=True)[0]
        assert again.error is None and again.stored == 2 and worker._process.pid == pid


def test_a_source_changed_between_passes_is_crawled_with_its_new_settings(db, worker):
    # the worker builds the next pass's crawlers while idle; one built before the change must not be used
    with start_demo_site("127.0.0.1", 0, initial=10, release_every=0) as site:
        specs = register_demo_sources(site.url)
        assert crawl(["demo_board"], persistent=True)[0].stored == 10
        pid = worker._process.pid
        board = next(spec for spec in specs if spec.name == "demo_board")
        with session_scope() as session:
            repo.upsert_source(session, name="demo_board", kind=board.kind, url=f"{site.url}/moved/?page=1",
                               config=board.config_dict())
        moved = crawl(["demo_board"], persistent=True)[0]
        assert worker._process.pid == pid
        assert moved.error and "start page failed" in moved.error, moved.describe()


def test_a_crawler_built_between_passes_is_used_only_while_its_settings_hold(db):
    from crawlers import worker as crawl_worker

    with start_demo_site("127.0.0.1", 0, initial=1, release_every=0) as site:
        specs = register_demo_sources(site.url)
        crawl_worker.prepare_next_pass(["demo_board", "demo_rss"])
        spider_class, same = crawl_worker.pass_settings("demo_board")
        assert crawl_worker._ready_crawler("demo_board", spider_class, same) is not None
        assert crawl_worker._ready_crawler("demo_board", spider_class, same) is None  # a crawler runs once
        rss = next(spec for spec in specs if spec.name == "demo_rss")
        register_demo_sources(site.url, max_items=7)  # changed after the worker built its crawlers
        spider_class, changed = crawl_worker.pass_settings("demo_rss")
        assert changed["CLOSESPIDER_ITEMCOUNT"] == 7 and rss.name == "demo_rss"
        assert crawl_worker._ready_crawler("demo_rss", spider_class, changed) is None
    crawl_worker._READY.clear()


def test_a_crawl_state_changed_between_passes_is_honoured(db, settings_env, worker):
    # the worker prepares the next pass's crawlers while idle, reading each source's crawl state; if
    # that state changed meanwhile (here: another crawl of the source killed midway), the prepared
    # crawler is not used and the pass walks every list page, as after any interrupted crawl
    with start_demo_site("127.0.0.1", 0, initial=45, release_every=0) as site:
        register_demo_sources(site.url, stop_after_known=5)
        assert crawl(["demo_board"], persistent=True)[0].stored == 45
        incremental = crawl(["demo_board"], persistent=True)[0]
        assert incremental.error is None and incremental.stored == 0
        # the worker prepares once it has answered: preparing after a finished crawl clears its seen-set
        jobdir = settings_env.data_dir / "crawl" / "demo_board"
        deadline = time.monotonic() + 30
        while (jobdir / "requests.seen").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        write_state(jobdir, status="running")
        full = crawl(["demo_board"], persistent=True)[0]
        assert full.error is None and full.stored == 0
        assert full.pages > incremental.pages, (full.describe(), incremental.describe())
