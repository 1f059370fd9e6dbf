"""Distributed mode: two real crawler processes (python -m crawlers.run_source) share one Redis
frontier and dupefilter and fetch every page of the local portal exactly once between them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest

from crawlers.distributed import check_redis, keys
from crawlers.testsites.govsite import GovSite
from tests.crawlers.helpers import add_source, stored_posts
from yuqing.settings import PROJECT_ROOT

pytestmark = [pytest.mark.redis, pytest.mark.slow]

REDIS_URL = os.environ.get("YUQING_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CONFIG = {"allow": r"/t\d{8}_\d+\.html$", "next": "a.next::attr(href)", "download_delay": 0, "concurrency": 2}


@pytest.fixture
def redis_url(monkeypatch):
    problem = check_redis(REDIS_URL)
    if problem:
        pytest.skip(problem)
    monkeypatch.setenv("YUQING_REDIS_URL", REDIS_URL)
    yield REDIS_URL


def start_worker(name: str, result_file) -> subprocess.Popen:
    environment = dict(os.environ)
    environment["PYTHONPATH"] = str(PROJECT_ROOT)
    return subprocess.Popen(
        [sys.executable, "-m", "crawlers.run_source", name, "--result", str(result_file)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment, cwd=str(PROJECT_ROOT),
    )


def dequeued(log: str) -> int:
    for line in log.splitlines():
        if "'scheduler/dequeued/redis':" in line:
            return int(line.split(":")[-1].strip(" ,}"))
    return 0


def test_two_processes_fetch_each_page_once(db, redis_url, tmp_path):
    import redis

    name = f"dist_{uuid.uuid4().hex[:8]}"
    server = redis.Redis.from_url(redis_url)
    lists = {"/zwgk/tzgg/index.html", "/zwgk/tzgg/index_1.html", "/zwgk/tzgg/index_2.html"}
    # a slow site, so that both workers are busy at the same time
    with GovSite(visible=11, delay=0.3) as site:
        add_source(name, "article", site.url + "/zwgk/tzgg/index.html", CONFIG)
        workers = [start_worker(name, tmp_path / f"worker{i}.json") for i in range(2)]
        logs = [worker.communicate(timeout=180)[0] for worker in workers]
        for index, worker in enumerate(workers):
            assert worker.returncode == 0, logs[index][-2000:]
        for index, log in enumerate(logs):
            (tmp_path / f"worker{index}.log").write_text(log)
        results = [json.loads((tmp_path / f"worker{i}.json").read_text()) for i in range(2)]
        assert all(not r.get("fatal") and not r.get("start_error") for r in results), results

        hits = site.page_hits()
        first_articles = {a.path for a in site.published()}
        assert set(hits) == lists | first_articles and len(hits) == 14
        assert all(count == 1 for count in hits.values()), {p: n for p, n in hits.items() if n != 1}
        assert sum(r["stored"] for r in results) == 11 == len(stored_posts(name)), [(r["dropped"], r["errors"], r["seconds"]) for r in results]
        assert all(dequeued(log) >= 1 for log in logs), [dequeued(log) for log in logs]  # both did work
        # the last worker out cleaned the round up
        assert not server.exists(keys(name)["queue"], keys(name)["dupefilter"])
        assert list(server.scan_iter(match=keys(name)["workers"] + "*")) == []

        # the next round starts afresh: the list pages are fetched again, and of the articles only
        # the two published since (the others are known posts)
        site.visible = 13
        site.hits.clear()
        worker = start_worker(name, tmp_path / "again.json")
        log = worker.communicate(timeout=120)[0]
        again = json.loads((tmp_path / "again.json").read_text())
        assert again["stored"] == 2 and not again.get("start_error"), log[-2000:]
        fetched = set(site.page_hits())
        assert "/zwgk/tzgg/index.html" in fetched and not fetched & first_articles
        assert all(count == 1 for count in site.page_hits().values())


def test_unreachable_redis_is_a_clear_error(db, monkeypatch, tmp_path):
    monkeypatch.setenv("YUQING_REDIS_URL", "redis://127.0.0.1:1/0")
    add_source("dist_down", "article", "http://127.0.0.1:1/index.html", CONFIG)
    worker = start_worker("dist_down", tmp_path / "down.json")
    worker.communicate(timeout=60)
    result = json.loads((tmp_path / "down.json").read_text())
    assert "redis_url is set but Redis not reachable" in result["fatal"]
