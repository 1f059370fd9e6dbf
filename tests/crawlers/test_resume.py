"""A crawl killed with SIGKILL midway resumes: the next crawl stores every post exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from crawlers.runner import crawl
from crawlers.state import read_state
from crawlers.testsites.board import start_demo_site
from tests.crawlers.helpers import external_ids, register_demo_sources, stored_posts
from yuqing.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow


def distinct_contents(site) -> int:
    return len({(m.title, m.text) for m in site.board.visible()})


def test_sigkill_midway_then_resume_without_loss_or_duplicates(db, settings_env):
    # slow responses so the kill lands in the middle of the crawl
    with start_demo_site("127.0.0.1", 0, initial=160, release_every=0, delay=0.03) as site:
        register_demo_sources(site.url, concurrency=2, stop_after_known=5)
        child = subprocess.Popen(
            [sys.executable, "-m", "crawlers.run_source", "demo_board"], cwd=PROJECT_ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ),
        )
        deadline = time.monotonic() + 120
        while len(stored_posts()) < 30 and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.1)
        assert child.poll() is None, "the crawl ended before it could be killed"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        partial = len(stored_posts())
        jobdir = settings_env.data_dir / "crawl" / "demo_board"
        assert 0 < partial < distinct_contents(site)
        assert read_state(jobdir)["status"] == "running"  # what the kill left behind

        result = crawl(["demo_board"])[0]
        assert result.error is None, result.describe()
        ids = external_ids("demo_board")
        assert len(ids) == len(set(ids)) == distinct_contents(site)
        assert result.stored == len(ids) - partial
        assert read_state(jobdir)["status"] == "finished"

        # and the crawl after that is incremental again: nothing new, one list page
        again = crawl(["demo_board"])[0]
        assert again.stored == 0 and again.pages <= 3
