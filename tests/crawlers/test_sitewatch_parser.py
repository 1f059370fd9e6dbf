"""Site-watch judgements on saved pages of the district portal: clean, spammed, defaced."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.parsers.sitewatch import (
    dead_finding,
    defacement_finding,
    injection_findings,
    inspect_page,
)

PAGES = Path(__file__).parent / "pages"
URL = "http://www.qzlc.gov.cn/"


def report(name: str):
    return inspect_page((PAGES / name).read_text(encoding="utf-8"), url=URL)


def test_clean_page_has_no_finding():
    clean = report("sitewatch_clean.html")
    assert injection_findings(clean) == []
    assert defacement_finding(clean, None) is None
    assert "www.gov.cn" in clean.link_hosts  # a visible link elsewhere is normal


def test_spammed_page_names_every_hidden_link_and_how():
    spammed = report("sitewatch_spammed.html")
    hidden = {link.href: link.how for link in spammed.hidden_links}
    assert hidden == {
        "http://www.baijiale-casino.example/": "display:none (class .lk0a)",
        "http://www.bet365-vip.example/": "display:none (class .lk0a)",
        "http://fapiao-daikai.example/": "off-screen (class .sr)",
        "http://seo-rank.example/": "tiny font",
        "http://www.sanji-dy.example/": "off-screen",
    }
    findings = injection_findings(spammed)
    assert [f.kind for f in findings] == ["injection"]  # one incident, one finding
    finding = findings[0]
    assert "5 个隐藏链接" in finding.reason and "baijiale-casino.example" in finding.reason
    assert "gambling, porn, seo" in finding.reason
    assert any("日本三级电影" in line and "porn" in line for line in finding.evidence)
    assert any("gambling" in line for line in finding.evidence)
    # the hidden spam never counts as visible page text
    assert "百家乐" not in spammed.text


def test_real_seed_article_page_spam_line_is_found():
    seed = inspect_page((PAGES / "gov_article_seed.html").read_text(encoding="utf-8"),
                        url="http://www.qzlc.gov.cn/zwgk/tzgg/201707/t20170719_1.html")
    assert [(link.text, link.how) for link in seed.hidden_links] == [("日本三级电影在线", "off-screen")]
    assert injection_findings(seed)[0].key == injection_findings(seed)[0].key  # stable across checks


def test_defaced_title_and_drastic_change():
    clean, defaced = report("sitewatch_clean.html"), report("sitewatch_defaced.html")
    finding = defacement_finding(defaced, clean.fingerprint())
    assert finding.kind == "defacement"
    assert "Hacked by Sh4d0w T3am" in finding.reason and "泉州市鲤城区人民政府" in finding.reason
    # even without a baseline the hacker title is enough
    assert defacement_finding(defaced, None).kind == "defacement"


def test_drastic_change_without_hacker_title():
    clean = report("sitewatch_clean.html")
    blank = inspect_page("<html><head><title>泉州市鲤城区人民政府</title></head><body><p>网站维护中</p></body></html>",
                         url=URL)
    finding = defacement_finding(blank, clean.fingerprint())
    assert finding is not None and "剧烈变化" in finding.reason


def test_a_normal_news_update_is_not_defacement():
    clean, next_day = report("sitewatch_clean.html"), report("sitewatch_clean_nextday.html")
    assert clean.simhash != next_day.simhash
    assert defacement_finding(next_day, clean.fingerprint()) is None


@pytest.mark.parametrize(("status", "error", "needle"), [
    (404, None, "HTTP 404"), (503, None, "HTTP 503"), (None, "DNSLookupError: no such host", "DNSLookupError"),
])
def test_dead(status, error, needle):
    finding = dead_finding(URL, status=status, error=error)
    assert finding.kind == "dead" and needle in finding.reason and URL in finding.reason


@pytest.mark.parametrize("style", [
    "display: none", "visibility:hidden", "position:absolute; top:-800px", "text-indent:-9999px",
    "font-size:0", "font-size: 1px", "font-size:0.1em", "height:0;overflow:hidden", "opacity:0",
])
def test_hiding_styles(style):
    page = f'<html><body><p>正文</p><div style="{style}"><a href="http://x.example/">百家乐开户</a></div></body></html>'
    assert [link.how for link in inspect_page(page, url=URL).hidden_links] != []


@pytest.mark.parametrize(("style", "injected"), [
    # hiding only SEO uses: any hidden link to another site is an injection
    ("position:absolute; top:-800px", True), ("text-indent:-9999px", True), ("font-size:0", True),
    ("font-size: 1px", True), ("height:0;overflow:hidden", True),
    # hiding page widgets use (menus, dialogs, share bars): only what advertises spam is an injection
    ("display: none", False), ("visibility:hidden", False), ("opacity:0", False),
])
def test_a_plain_hidden_link_counts_only_when_hidden_the_seo_way(style, injected):
    page = f'<html><body><p>正文</p><div style="{style}"><a href="http://x.example/">链接</a></div></body></html>'
    assert bool(inspect_page(page, url=URL).hidden_links) is injected


@pytest.mark.parametrize("style", ["display:block", "font-size:12px", "position:absolute; left:10px", "opacity:0.9"])
def test_visible_styles(style):
    page = f'<html><body><p>正文</p><div style="{style}"><a href="http://x.example/">链接</a></div></body></html>'
    assert inspect_page(page, url=URL).hidden_links == []


def test_a_hidden_link_too_broken_to_resolve_is_still_reported():
    # found by the fuzz run: urllib raises on a broken IPv6 bracket
    page = '<html><body><p>政务公开</p><div style="display:none"><a href="http://[casino.example/">博彩</a></div></body></html>'
    reading = inspect_page(page, url="http://127.0.0.1/", own_hosts={"127.0.0.1"})
    assert [(link.href, link.how) for link in reading.hidden_links] == [("http://[casino.example/", "display:none")]
