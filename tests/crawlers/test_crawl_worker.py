"""The long-lived crawl worker: passes without a process start, the same results as a one-shot
crawl, a new worker when one is killed midway (nothing lost or doubled), and a new worker when the
settings it was started with change."""

from __future__ import annotations

import pytest

from crawlers.runner import crawl, persistent_worker
from crawlers.testsites.board import start_demo_site
from tests.crawlers.helpers import external_ids, register_demo_sources, stored_posts


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
