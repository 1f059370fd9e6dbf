"""Real site-watch crawls of the local portal: clean, then spammed, then defaced, then dead; each
finding is one post naming the owner unit and the reason; the same finding is not posted twice."""

from __future__ import annotations

import pytest

from crawlers.runner import crawl
from crawlers.testsites.base import LocalSite
from crawlers.testsites.govsite import GovSite
from nlp.normalize import detect_spam
from tests.crawlers.helpers import add_source, stored_posts
from tests.servers import free_port
from yuqing import repo
from yuqing.db import session_scope

pytestmark = pytest.mark.slow


def watch() -> list:
    result = crawl(["portal_watch"])[0]
    assert result.error is None, result.describe()
    return stored_posts("portal_watch")


def test_clean_spammed_defaced_dead(db):
    with GovSite(watch_state="clean") as site:
        add_source("portal_watch", "site_watch", site.url + "/", {"download_delay": 0}, owner_unit="gov_office")
        assert watch() == []
        with session_scope() as session:
            source_id = repo.get_source(session, name="portal_watch").id
            baseline = repo.site_baseline(session, source_id=source_id, url=site.url + "/")
            assert baseline.fingerprint["title"] == "泉州市鲤城区人民政府"

        site.watch_state = "spammed"
        [injection] = watch()
        assert "yuqing_watch=injection-" in injection.url
        assert injection.text.splitlines()[1] == "网站主办单位：区政府办公室（gov_office）"
        assert "5 个隐藏链接" in injection.text and "display:none (class .lk0a)" in injection.text
        assert "www[.]sanji-dy[.]example" in injection.text  # defanged, not clickable
        # the finding is news for the unit, not spam itself: it must reach analysis and grouping
        assert not injection.spam and detect_spam(injection.title + "\n" + injection.text) == (False, None)

        assert len(watch()) == 1  # still spammed: the same finding is not posted again

        site.watch_state = "defaced"
        defaced = watch()[-1]
        assert "篡改" in defaced.title and "Hacked by Sh4d0w T3am" in defaced.text
        assert "泉州市鲤城区人民政府" in defaced.text  # what the title was

        site.watch_state = "dead"
        dead = watch()[-1]
        assert "无法访问" in dead.title and "HTTP 404" in dead.text
        assert dead.title.startswith("网站监测：泉州市鲤城区人民政府")  # named from its last clean state
        assert len(stored_posts("portal_watch")) == 3


def test_connection_refused_and_bad_page(db):
    class Blank(LocalSite):
        def answer(self, path, query):
            from crawlers.testsites.base import Answer
            return Answer(body=b"")

    closed = f"http://127.0.0.1:{free_port()}/"
    with Blank() as blank:
        add_source("portal_watch", "site_watch", closed, {"download_delay": 0, "pages": [blank.url + "/blank.html"],
                                                           "retries": 1, "retry_backoff": 0.1},
                   owner_unit="kaiyuan")
        posts = watch()
    reasons = sorted(p.text.splitlines()[2] for p in posts)
    assert len(posts) == 2
    assert any("ConnectionRefusedError" in r for r in reasons), reasons
    assert any("blank.html" in r and "empty page" in r for r in reasons), reasons
    assert all("开元街道办事处" in p.text for p in posts)


def test_a_finding_becomes_an_issue_routed_to_the_site_owner(db):
    from sqlmodel import select

    from flows.stages import analyze_new_posts, cluster_new_posts, route_new_issues
    from yuqing.models import Assignment, Issue, Post

    with GovSite(watch_state="clean") as site:
        add_source("portal_watch", "site_watch", site.url + "/", {"download_delay": 0}, owner_unit="gov_office")
        assert watch() == []
        site.watch_state = "spammed"
        [finding] = watch()
    assert analyze_new_posts() == 1
    assert cluster_new_posts().new_issues == 1
    assert route_new_issues().routed == 1
    with session_scope() as session:
        issue = session.exec(select(Issue)).one()
        [assignment] = session.exec(select(Assignment).where(Assignment.role == "lead")).all()
        assert session.get(Post, finding.id).issue_id == issue.id
    assert issue.status == "assigned"
    assert (assignment.unit_code, assignment.rule_id) == ("gov_office", "explicit:site-owner")
