"""Site watch on real saved pages (../shared/data/pages, see its README) and on small fixtures of the
legitimate hidden furniture of government sites: no false alarm, real injections still found."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from crawlers.encoding import guess_encoding
from crawlers.parsers.injection import registrable, spam_host, spam_words, trusted
from crawlers.parsers.sitewatch import injection_findings, inspect_page

PAGES = Path(__file__).parent / "pages"
REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "pages"
# where truth.csv has no URL: the page's site, as its own links and notes name it
URLS = {
    "article/163_2.html": "https://news.163.com/18/1013/00/DTM.html",
    "article/sohu_2.html": "http://business.sohu.com/20050311/n224643115.shtml",
    "article/people_2.html": "http://js.people.com.cn/n2/2022/0213/c360301.html",
    "article/sina_2.html": "http://house.sina.com.cn/n/2005-03-31/1.html",
    "article/bynr_gov_1.html": "http://www.bynr.gov.cn/xw/1.html",
    "article/jl_gov_1.html": "http://xxgk.jl.gov.cn/1.html",
    "article/chinaneast_gov_1.html": "http://www.chinaneast.gov.cn/1.htm",
    "article/nfra_zj_gov_1.html": "https://www.nfra.gov.cn/cn/view/pages/ItemDetail.html",
    "article/ccgp_gov_1.html": "http://www.ccgp.gov.cn/cggg/dfgg/1.htm",
    "article/chinanews_1.html": "http://www.chinanews.com/ll/2020/07-04/9229287.shtml",
    "article/cnr_1.html": "http://china.cnr.cn/news/1.shtml",
    "sitewatch/jiayie_spam_1.html": "http://www.jiayie.com/",
}


def real_rows() -> list[dict]:
    if not (REAL / "truth.csv").exists():
        return []
    with (REAL / "truth.csv").open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["kind"] in ("article", "sitewatch")]


def read(path: Path) -> str:
    data = path.read_bytes()
    return data.decode(guess_encoding(data) or "utf-8", errors="replace")


needs_real = pytest.mark.skipif(not real_rows(), reason="../shared/data/pages is not on this machine")


@needs_real
@pytest.mark.parametrize("row", real_rows(), ids=lambda row: row["file"])
@pytest.mark.parametrize("with_url", [True, False], ids=["url", "saved-file"])
def test_real_pages_verdict_matches_truth(row, with_url):
    url = (row["url"] or URLS.get(row["file"], "")) if with_url else ""
    findings = injection_findings(inspect_page(read(REAL / row["file"]), url=url))
    if row["injected_spam"] == "true":
        assert [f.kind for f in findings] == ["injection"]
    else:
        assert findings == [], findings[0].evidence[:5]


@needs_real
def test_real_parasite_page_names_the_gambling_keyword_and_domain():
    report = inspect_page(read(REAL / "sitewatch/jiayie_spam_1.html"), url="http://www.jiayie.com/")
    assert report.title == "彩票赚钱平台下载"  # decoded from &#24425;&#31080;…
    evidence = "\n".join(injection_findings(report)[0].evidence)
    assert "http://gamblingtools.net" in evidence and "gambling" in evidence


@pytest.mark.parametrize("name", [
    "sitewatch_legit_jiucuo.html", "sitewatch_legit_bshare.html", "sitewatch_legit_hanweb.html",
])
def test_government_furniture_is_no_injection(name):
    report = inspect_page((PAGES / name).read_text(encoding="utf-8"), url="http://www.sxxx.gov.cn/index.html")
    assert injection_findings(report) == []
    # and on another government site linking to 隰县 (www.sxxx.gov.cn holds "xxx")
    other = inspect_page((PAGES / name).read_text(encoding="utf-8"), url="https://www.linfen.gov.cn/")
    assert injection_findings(other) == []


def test_hidden_gambling_links_are_found_but_a_warning_about_gambling_is_not():
    report = inspect_page((PAGES / "sitewatch_injected_gambling.html").read_text(encoding="utf-8"),
                          url="http://www.sxxx.gov.cn/")
    assert {link.href: link.how for link in report.hidden_links} == {
        "https://www.88hgty-vip.com/": "off-screen (class .gg-link)",
        "https://www.agzr668.net/": "off-screen (class .gg-link)",
        "https://www.js2288.top/": "off-screen (class .gg-link)",
        "http://www.xpj-77.com/": "display:none",
        "http://www.bjsc-pk10.cc/": "display:none",
    }
    [finding] = injection_findings(report)
    assert "5 个隐藏链接" in finding.reason and "gambling" in finding.reason
    assert not any("严厉打击" in line for line in finding.evidence)


def test_hidden_loan_and_game_links_are_found():
    report = inspect_page((PAGES / "sitewatch_injected_loan.html").read_text(encoding="utf-8"),
                          url="http://rsj.linfen.gov.cn/")
    found = {link.text: (link.how, (link.why or "").split(":", 1)[0]) for link in report.hidden_links}
    assert found == {
        "黑户贷款秒到账": ("display:none", "loan"),
        "2024最新网贷口子": ("display:none", "loan"),
        "传奇私服发布网": ("text-indent", "game"),
        "开元棋牌": ("1-pixel marquee", "gambling"),
    }
    # 创业担保贷款 and 小额贷款公司 are the job centre's own business
    assert not any("担保" in line or "小额" in line for line, _ in report.spam)


@pytest.mark.parametrize(("host", "word"), [
    ("www.sxxx.gov.cn", None), ("sxxx-travel.com", None), ("essex.ac.uk", None), ("www.seoul.example", None),
    ("xxx.example", "xxx"), ("www.baijiale-casino.example", "casino"), ("www.88baijiale.com", "baijiale"),
    ("www.bjsc-pk10.cc", "pk10"), ("seo-rank.example", "seo"),
])
def test_hosts_are_judged_as_whole_names(host, word):
    assert spam_host(host) == word


def test_trusted_hosts():
    own = {"sxxx.gov.cn", "jiayie.com"}
    assert registrable("www.sxxx.gov.cn") == "sxxx.gov.cn" and registrable("news.163.com") == "163.com"
    assert registrable("js.people.com.cn") == "people.com.cn"
    assert all(trusted(h, own) for h in ("zfwzgl.www.gov.cn", "pucha.kaipuyun.cn", "bszs.conac.cn",
                                         "img.jiayie.com", "www.bshare.cn", "www.hanweb.com", ""))
    assert not any(trusted(h, own) for h in ("gamblingtools.net", "gov.cn.casino.example", "sxxx.gov.cn.example"))


@pytest.mark.parametrize(("text", "kind"), [
    ("彩票赚钱平台下载", "gambling"), ("澳门新葡京 开户送88元彩金", "gambling"), ("黑户贷款秒到账", "loan"),
    ("传奇私服发布网", "game"), ("日本三级电影在线", "porn"), ("代开发票 电话13800000000", "seo"),
    ("严厉打击网络赌博，警惕澳门金沙娱乐城诈骗", None), ("中国福利彩票发行中心公告", None),
    ("小额贷款公司监督管理暂行办法", None), ("创业担保贷款政策问答", None),
])
def test_spam_words(text, kind):
    why = spam_words(text)
    assert (why.split(":", 1)[0] if why else None) == kind


@pytest.mark.parametrize("text", [
    "互联网投诉平台", "菠菜种植技术", "中国体育彩票官网", "倡导理性购彩", "彩票投注站管理办法", "空调外挂机安装规范",
    "民警身着私服蹲守", "电子游艺场所审批", "太阳城小区物业", "群众文化娱乐平台", "新用户开户送积分",
    "澳门赌场收入下降（新闻）",
])
def test_words_news_and_notices_use_are_no_spam(text):
    assert spam_words(text) is None
