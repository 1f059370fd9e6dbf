"""Real crawls of the local government portal (crawlers/testsites/govsite.py) with the article kind."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from crawlers.runner import crawl
from crawlers.testsites.govsite import GovSite, articles
from tests.crawlers.helpers import add_source, stored_posts

pytestmark = pytest.mark.slow

CONFIG = {"allow": r"/t\d{8}_\d+\.html$", "next": "a.next::attr(href)", "download_delay": 0, "concurrency": 8}


@pytest.fixture
def site():
    with GovSite(visible=10) as running:
        yield running


def test_column_crawl_then_only_new_articles(db, site):
    add_source("gov_articles", "article", site.url + "/zwgk/tzgg/index.html", CONFIG)
    first = crawl(["gov_articles"])[0]
    assert first.error is None, first.describe()
    posts = {p.url.rsplit("/", 1)[1]: p for p in stored_posts("gov_articles")}
    assert first.stored == len(posts) == 10
    seed = posts["t20170719_1.html"]
    # the real seed page: traditional text kept as published, simplified beside it, furniture gone,
    # the injected line named on the post and not in its text
    assert seed.title.startswith("中共鯉城區委辦公室 鯉城區人民政府辦公室關于印發")
    assert "鯉城區" in seed.text and "鲤城区" in seed.text_simplified
    assert "[收藏]" not in seed.text and "[關閉]" not in seed.text and "日本三级" not in seed.text
    assert seed.spam and seed.spam_reason.startswith("injected: porn")
    assert seed.published_at.isoformat().startswith("2017-07-19T08:30")
    assert seed.author_hash  # the issuing offices, hashed like every author
    gbk = posts["t20170621_5.html"]  # served GBK-encoded
    assert gbk.title == "关于“希望A市建设成国家交通中心”的回复" and "浏览次数" not in gbk.text
    first_hits = site.page_hits("/zwgk/tzgg/2")
    assert len(first_hits) == 10 and set(first_hits.values()) == {1}

    site.visible = 13  # three more published
    site.hits.clear()
    second = crawl(["gov_articles"])[0]
    assert second.error is None, second.describe()
    assert second.stored == 3 and second.skipped_known >= 5
    newest = {a.path for a in site.published()[:3]}
    assert set(site.page_hits("/zwgk/tzgg/2")) == newest  # known articles are not fetched again
    assert len(stored_posts("gov_articles")) == 13


def test_yuqing_crawl_single_article_and_missing_page(db, site):
    from cli.main import main

    seed_path = next(a.path for a in articles() if a.id == 1)
    add_source("seed_page", "article", site.url + seed_path, {"single": True, "download_delay": 0})
    add_source("gone_page", "article", site.url + "/zwgk/tzgg/201001/t20100101_99.html",
               {"single": True, "download_delay": 0})
    result = CliRunner().invoke(main, ["crawl", "seed_page", "gone_page"])
    assert "seed_page: 1 new" in result.output, result.output
    assert "gone_page: 0 new" in result.output and "404" in result.output
    [post] = stored_posts("seed_page")
    assert post.spam and "日本三级电影" in post.spam_reason
    assert stored_posts("gone_page") == []


def test_bad_option_is_a_clear_error(db, site):
    add_source("bad_articles", "article", site.url + "/zwgk/tzgg/index.html", {"allow": "(unclosed"})
    result = crawl(["bad_articles"])[0]
    assert result.error and "allow" in result.error


def test_sigkill_midway_then_resume_without_loss_or_duplicates(db, settings_env):
    import os
    import signal
    import subprocess
    import sys
    import time

    from crawlers.state import read_state
    from yuqing.settings import PROJECT_ROOT

    with GovSite(delay=0.2) as site:  # slow answers, so the kill lands in the middle
        add_source("gov_articles", "article", site.url + "/zwgk/tzgg/index.html",
                   {**CONFIG, "concurrency": 1, "stop_after_known": 3})
        child = subprocess.Popen([sys.executable, "-m", "crawlers.run_source", "gov_articles"], cwd=PROJECT_ROOT,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
        deadline = time.monotonic() + 120
        while len(stored_posts("gov_articles")) < 3 and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.1)
        assert child.poll() is None, "the crawl ended before it could be killed"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        partial = len(stored_posts("gov_articles"))
        assert 0 < partial < 13
        assert read_state(settings_env.data_dir / "crawl" / "gov_articles")["status"] == "running"

        result = crawl(["gov_articles"])[0]
        assert result.error is None, result.describe()
        urls = [p.url for p in stored_posts("gov_articles")]
        assert len(urls) == len(set(urls)) == 13 and result.stored == 13 - partial
