"""`yuqing serve`'s pipeline loop: a pass as soon as a source is due, none while nothing is due,
each source on its own cadence, and the analyzer loaded once for the process."""

from __future__ import annotations

import threading

import pytest

from crawlers.testsites.board import start_demo_site
from flows import stages
from flows.serve import pipeline_loop, work_waiting
from tests.crawlers.helpers import register_demo_sources

pytestmark = pytest.mark.prefect


def test_the_loop_crawls_what_is_due_then_waits_for_the_next_due_source(db, smtp, prefect_harness):
    passes: list[str] = []
    stop = threading.Event()

    def on_pass(_start: float, summary: str) -> None:
        passes.append(summary)
        if len(passes) == 1:
            stop.set()

    with start_demo_site("127.0.0.1", 0, initial=20, release_every=0) as site:
        register_demo_sources(site.url)
        assert work_waiting()  # never crawled: every enabled source is due
        stages._ANALYZERS.clear()
        pipeline_loop(stop, tick=0.2, on_pass=on_pass)
        first = passes[0]
        assert "demo_board:" in first and "demo_rss:" in first and "FAILED" not in first.split("analysed")[0]
        assert "stage seconds: crawl=" in first and "deliver=" in first
        # right after the pass nothing is due (a board every minute, a feed every 5): no second pass
        assert work_waiting() is None
        stop.clear()
        timer = threading.Timer(1.0, stop.set)
        timer.start()
        pipeline_loop(stop, tick=0.2, on_pass=on_pass)
        timer.join()
        assert len(passes) == 1
    assert len(stages._ANALYZERS) == 1  # loaded once, kept for the next pass
