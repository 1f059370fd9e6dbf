"""Article extraction on saved pages, the real seed page first."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawlers.parsers.article import parse_article, parse_text_page, strip_furniture
from crawlers.parsers.article_meta import PAGE_ZONE
from crawlers.parsers.fields import parse_datetime
from yuqing.errors import BadInput

PAGES = Path(__file__).parent / "pages"
SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_d07f2fd156d89ef8.txt"


def test_saved_seed_is_the_real_seed():
    if not SEED.exists():
        pytest.skip(f"the shared seed is not on this machine ({SEED})")
    assert (PAGES / "seed_licheng_plan.txt").read_bytes() == SEED.read_bytes()


def test_seed_as_text_page_furniture_removed_spam_marked():
    raw = (PAGES / "seed_licheng_plan.txt").read_text(encoding="utf-8")
    article = parse_text_page(raw, url="http://www.qzlc.gov.cn/zwgk/tzgg/201707/t20170719_1.html")
    assert article.title.startswith("中共鯉城區委辦公室 鯉城區人民政府辦公室關于印發《全面推進政務公開工作實施方案》")
    assert "[收藏] [打印] [關閉]" in raw and "[收藏]" not in article.text and "[關閉]" not in article.text
    assert article.furniture_removed == ["[收藏] [打印] [關閉]"]
    # marked, named and kept out of the publisher's text, not silently dropped
    assert article.spam is True
    assert article.injected == ["日本三级电影在线"]
    assert "porn" in article.spam_reason and "日本三级电影" in article.spam_reason
    assert "日本三级" not in article.text
    # traditional text kept as published
    assert "鯉城區" in article.text and "(二十三)抓好教育培訓" in article.text
    assert article.text.rstrip().endswith("區直各單位負責")


def test_seed_html_page_extracted():
    page = (PAGES / "gov_article_seed.html").read_text(encoding="utf-8")
    article = parse_article(page, url="http://127.0.0.1:8000/zwgk/tzgg/201707/t20170719_1.html")
    assert article.title == "中共鯉城區委辦公室 鯉城區人民政府辦公室關于印發《全面推進政務公開工作實施方案》的通知"
    assert article.published_at == datetime(2017, 7, 19, 8, 30, tzinfo=UTC)  # 16:30 Beijing
    assert article.author == "中共鯉城區委辦公室 鯉城區人民政府辦公室"
    assert article.source_name == "區政府辦"
    for furniture in ("收藏", "打印", "關閉", "當前位置", "网站地图", "闽ICP备", "走进鲤城", "互动交流", "字號"):
        assert furniture not in article.text, furniture
    assert article.text.startswith("泉鯉委辦〔201794")
    assert "為貫徹落實國家、省、市關于全面推進政務公開工作的要求" in article.text
    assert article.text.rstrip().endswith("區直各單位負責")
    # the extractor dropped the off-screen spam link with the furniture; the page is still marked
    assert article.spam and article.injected == ["日本三级电影在线"]
    assert "日本三级" not in article.text


def test_gbk_reply_page_labelled_date_and_source():
    body = (PAGES / "gov_article_reply_gbk.html").read_bytes()
    page = body.decode("gb18030")
    article = parse_article(page, url="http://127.0.0.1:8000/zwgk/tzgg/201706/t20170621_5.html")
    assert article.title == "关于“希望A市建设成国家交通中心”的回复"
    assert article.published_at == datetime(2017, 6, 21, 10, 42, tzinfo=UTC)
    assert article.source_name == "区政府办公室"
    assert article.author is None
    assert not article.spam
    for furniture in ("打印本页", "关闭窗口", "浏览次数", "相关文章", "分享到", "网站地图", "当前位置"):
        assert furniture not in article.text, furniture
    assert len(article.text) > 100


def test_content_xpath_from_source_config():
    page = (PAGES / "gov_article_reply_gbk.html").read_bytes().decode("gb18030")
    article = parse_article(page, url="http://x.invalid/a.html",
                            config={"content_xpath": "//div[@class='content']", "title_xpath": "//h1/text()"})
    assert article.title == "关于“希望A市建设成国家交通中心”的回复"
    assert "发布时间" not in article.text and len(article.text) > 100


def test_furniture_lines_only():
    text, removed = strip_furniture("正文第一段\n【打印本页】 【关闭窗口】\n字号：大 中 小\n正文[收藏]不是整行")
    assert text == "正文第一段\n正文[收藏]不是整行"
    assert removed == ["【打印本页】 【关闭窗口】", "字号：大 中 小"]


@pytest.mark.parametrize(("raw", "expected"), [
    ("2017-07-19 16:30", datetime(2017, 7, 19, 8, 30, tzinfo=UTC)),
    ("2017年7月19日", datetime(2017, 7, 18, 16, 0, tzinfo=UTC)),
    ("2019/5/16 16:28:30", datetime(2019, 5, 16, 8, 28, 30, tzinfo=UTC)),
    ("2021-03-01T10:00:00+08:00", datetime(2021, 3, 1, 2, 0, tzinfo=UTC)),
    ("2021-03-01T10:00:00.000+08:00", datetime(2021, 3, 1, 2, 0, tzinfo=UTC)),
    ("发布时间：2019年06月15日08:18", datetime(2019, 6, 15, 0, 18, tzinfo=UTC)),
    ("2019-06-15 08：18", datetime(2019, 6, 15, 0, 18, tzinfo=UTC)),
    ("2019 06-15", datetime(2019, 6, 14, 16, 0, tzinfo=UTC)),
    ("2020-01-01-2020-12-31", datetime(2019, 12, 31, 16, 0, tzinfo=UTC)),  # a range, not a zone
    ("编号 12019-06-15", None),
    ("无日期", None),
])
def test_dates(raw, expected):
    """Article pages print Beijing time: the crawlers' one date parser read in that zone."""
    assert parse_datetime(raw, tz=PAGE_ZONE) == expected


@pytest.mark.parametrize("page", ["", "   ", "<html><body><div>[打印] [关闭]</div></body></html>"])
def test_no_article_is_a_clear_error(page):
    with pytest.raises(BadInput):
        parse_article(page, url="http://x.invalid/")


def test_a_spam_word_inside_a_paragraph_is_not_an_injection():
    # "办证" (an SEO-spam word) inside a citizen's complaint about property certificates: the
    # paragraph is the publisher's text, nothing is cut out of it and nothing outside it is spam
    page = (PAGES / "gov_article_reply_banzheng.html").read_bytes().decode("gb18030")
    article = parse_article(page, url="http://127.0.0.1:8000/zwgk/tzgg/201905/t20190529_9.html")
    assert "办证" in article.text and len(article.text) > 300
    assert article.injected == [] and article.spam is False


def test_text_page_keeps_a_paragraph_with_a_spam_word():
    raw = "标题\n正文第一段，讲述群众反映的办证难问题以及各部门的处理意见，已经督促整改落实。\n[打印] [关闭]\n代开发票"
    article = parse_text_page(raw, url="http://x.invalid/")
    assert article.text == "正文第一段，讲述群众反映的办证难问题以及各部门的处理意见，已经督促整改落实。"
    assert article.injected == ["代开发票"] and article.spam
