"""Every real saved page of ../shared/data/pages (article and forum kinds) read by the article
parser as a crawl reads it, checked against truth.csv; and `yuqing eval --task crawl` on a folder
built here."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from crawlers.evaluate import body_verdict, datetime_right, decode_page, must_drop
from crawlers.parsers.article import parse_article
from yuqing.errors import BadInput

PAGES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "pages"


def _rows() -> list:
    if not (PAGES / "truth.csv").is_file():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"the shared pages are not on this machine ({PAGES})"))]
    with (PAGES / "truth.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["kind"] in ("article", "forum")]
    return [pytest.param(row, id=row["file"]) for row in rows]


@pytest.mark.parametrize("row", _rows())
def test_real_page(row):
    url = row["url"] or f"http://saved.invalid/{row['file']}"
    page = decode_page((PAGES / row["file"]).read_bytes(), url)
    if must_drop(row):
        with pytest.raises(BadInput):
            parse_article(page, url=url)
        return
    article = parse_article(page, url=url)
    assert " ".join(article.title.split()) == " ".join(row["title"].split())
    assert datetime_right(article.published_at, row["published"]), article.published_at
    assert body_verdict(article.text, row["body_first30"], row["body_last30"]) is None
    # none of these pages carries injected spam: menus, share widgets and hidden duplicates are no spam
    assert not article.spam, article.injected


ARTICLE = """<html><head><meta name="PubDate" content="2019-06-15"><title>县里召开防汛工作会议_某某县人民政府</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/caipiao/">时时彩</a> <a href="/news/">新闻</a></div>
<div class="main"><h1>县里召开防汛工作会议</h1><div class="info">发布时间：2019年06月15日08:18 来源：县政府办</div>
<div class="content"><p>6月14日，县里召开防汛工作会议，部署今年汛期各项工作。会议要求各乡镇压实责任，做好预案。</p>
<p>会议强调，要加强值班值守，及时发布预警信息，确保群众生命财产安全，坚决打赢防汛这场硬仗。</p>
<p>责任编辑：张三</p></div></div><div class="footer">Copyright 某某县人民政府 举报电话：12345</div></body></html>"""
BODY = ("6月14日，县里召开防汛工作会议，部署今年汛期各项工作。会议要求各乡镇压实责任，做好预案。"
        "会议强调，要加强值班值守，及时发布预警信息，确保群众生命财产安全，坚决打赢防汛这场硬仗。")
ERROR = """<html><head><title>出错了</title></head><body><div class="nav"><a href="/">首页</a></div>
<div class="msg">您访问的页面不存在或已被删除！请确认您是从有效的连接进入。</div></body></html>"""
CLEAN = """<html><head><title>某某县人民政府</title></head><body><a href="/a.html">政务公开</a></body></html>"""


def test_eval_crawl_prints_a_line_per_page_and_the_totals(tmp_path):
    (tmp_path / "article").mkdir()
    (tmp_path / "sitewatch").mkdir()
    # GBK bytes with no charset anywhere: decoded as a crawl decodes them
    (tmp_path / "article" / "a.html").write_bytes(ARTICLE.encode("gbk"))
    (tmp_path / "article" / "error.html").write_text(ERROR, encoding="utf-8")
    (tmp_path / "sitewatch" / "home.html").write_text(CLEAN, encoding="utf-8")
    with (tmp_path / "truth.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "kind", "title", "published", "body_first30", "body_last30", "injected_spam", "notes"])
        writer.writerow(["article/a.html", "article", "县里召开防汛工作会议", "2019-06-15T08:18",
                         BODY[:30], BODY[-30:], "false", ""])
        writer.writerow(["article/error.html", "article", "出错了", "", "", "", "false", "no_article error page"])
        writer.writerow(["sitewatch/home.html", "sitewatch", "某某县人民政府", "", "", "", "false", ""])
    result = CliRunner().invoke(main, ["eval", "--task", "crawl", "--pages", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("article/a.html: ✓")
    assert lines[1].startswith("article/error.html: 已丢弃")
    assert lines[-1] == ("titles=1/1 datetimes=1/1 bodies=1/1 dropped=1/1 "
                         "sitewatch_false_alarms=0/1 sitewatch_missed=0/0")
    assert re.fullmatch(r"titles=\d+/\d+ datetimes=\d+/\d+ bodies=\d+/\d+ dropped=\d+/\d+ "
                        r"sitewatch_false_alarms=\d+/\d+ sitewatch_missed=\d+/\d+", lines[-1])


def test_eval_crawl_needs_a_truth_file(tmp_path):
    result = CliRunner().invoke(main, ["eval", "--task", "crawl", "--pages", str(tmp_path)])
    assert result.exit_code != 0
    assert "truth.csv" in result.output


def test_every_saved_page_is_in_the_truth_and_read_right():
    """Every page file of the folder has its truth row (so the parametrised test above reads it),
    and the eval over the whole folder, site-watch pages included, finds nothing wrong."""
    if not (PAGES / "truth.csv").is_file():
        pytest.skip(f"the shared pages are not on this machine ({PAGES})")
    from crawlers.evaluate import crawl_report

    with (PAGES / "truth.csv").open(encoding="utf-8-sig", newline="") as handle:
        listed = {row["file"] for row in csv.DictReader(handle)}
    files = {path.relative_to(PAGES).as_posix() for path in PAGES.rglob("*.htm*")}
    assert files and files == listed
    report = crawl_report(PAGES)
    assert [line for line in report.splitlines() if "✗" in line] == []
    assert len(report.splitlines()) == len(listed) + 1
