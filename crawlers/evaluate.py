"""`yuqing eval --task crawl`: the real parsers measured on a folder of saved pages with a truth.csv.

The folder holds the pages (as the server sent the bytes, GBK or UTF-8) and `truth.csv` with at
least `file, kind, title, published, body_first30, body_last30, injected_spam` (`notes` holding
`no_article` marks a page that must be dropped). Each page is decoded as a crawl decodes it
(Scrapy's response plus the project's encoding middleware), then:

* `article` / `forum` pages go through the article parser: title right after whitespace
  normalisation; datetime right to the minute where the truth has a time, else to the day; body
  clean when, whitespace deleted, it starts with `body_first30` and ends with `body_last30` (a few
  characters of slack) and holds no page chrome; a page with no body in the truth must be dropped;
* `sitewatch` pages go through the site-watch parser: a finding on a clean page is a false alarm,
  no finding on a page with injected spam is a miss.

The last line is the totals line that the issue and the README quote.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from yuqing.errors import BadInput

# truth.csv writes times as the (Chinese) pages print them, in Beijing time, whatever zone the product runs in
CHINA = ZoneInfo("Asia/Shanghai")
SLACK = 4  # characters the body may start late or end early (a stray quote mark, a sign-off bracket)
# what a reader would call page chrome if it stood in the article body; the body's own words rarely
# carry these, and a marker found inside the truth's first/last characters is not counted
_CHROME = re.compile(
    r"责任编辑|責任編輯|【编辑|\[责编|责编：|编辑：|编辑:|原标题|字号|字號|Copyright|版权所有|举报电话|分享到|"
    r"相关新闻|相关阅读|推荐新闻|热点新闻|热门推荐|打印本页|关闭窗口|上一页|下一页|返回顶部|扫一扫|网友评论|发表评论"
)
_SPACES = re.compile(r"[\s\u3000\xa0\u200b\u200c\u200d\u2060\ufeff]+")


def squeeze(text: str) -> str:
    """Every kind of whitespace deleted (the form truth.csv's body_first30/last30 are written in)."""
    return _SPACES.sub("", text or "")


@dataclass
class Tally:
    """Right (or, for the site watch, wrong) out of how many pages one measure looked at."""

    hits: int = 0
    of: int = 0

    def count(self, hit: bool) -> None:
        self.of += 1
        self.hits += bool(hit)


# the measures of the totals line, in its order: `name=hits/of` each
MEASURES = ("titles", "datetimes", "bodies", "dropped", "sitewatch_false_alarms", "sitewatch_missed")


@dataclass
class Totals:
    tallies: dict[str, Tally] = field(default_factory=lambda: {name: Tally() for name in MEASURES})
    lines: list[str] = field(default_factory=list)

    def line(self) -> str:
        return " ".join(f"{name}={tally.hits}/{tally.of}" for name, tally in self.tallies.items())


def decode_page(body: bytes, url: str) -> str:
    """The page text a crawl would see: Scrapy's declared-encoding decoding, then the project's
    encoding middleware (undeclared or wrongly declared Chinese pages)."""
    from scrapy.http import HtmlResponse

    from crawlers.encoding import EncodingMiddleware

    response = HtmlResponse(url=url, body=body, headers={"Content-Type": "text/html"})
    return EncodingMiddleware().process_response(None, response).text


def body_verdict(text: str, first: str, last: str) -> str | None:
    """None when the body is clean, else what is wrong (Chinese, for the per-page line)."""
    body, first, last = squeeze(text), squeeze(first), squeeze(last)
    start = body.find(first) if first else 0
    if start < 0 or start > SLACK:
        return f"开头不符（得“{body[:30]}”）"
    end = body.rfind(last) + len(last) if last else len(body)
    if end < len(last) or end < len(body) - SLACK:
        return f"结尾不符（得“{body[-30:]}”）"
    middle = body[start + len(first):max(start + len(first), end - len(last))]
    if chrome := _CHROME.search(middle):
        return f"正文含页面杂项“{chrome.group(0)}”"
    return None


def datetime_right(found, truth: str) -> bool:
    """Right to the minute where the truth has a time (Beijing time), else to the day."""
    if found is None:
        return False
    local = found.astimezone(CHINA)
    if "T" in truth:
        return local.strftime("%Y-%m-%dT%H:%M") == truth[:16]
    return local.strftime("%Y-%m-%d") == truth[:10]


def must_drop(row: dict) -> bool:
    """The page has no article: notes say no_article, or an article/forum row without a body."""
    return "no_article" in (row.get("notes") or "") or not (row.get("body_first30") or "").strip()


def _check_article(row: dict, page: str, url: str, totals: Totals) -> str:
    from crawlers.parsers.article import parse_article

    name, tallies = row["file"], totals.tallies
    try:
        article = parse_article(page, url=url)
    except BadInput as exc:
        if must_drop(row):
            tallies["dropped"].count(True)
            return f"{name}: 已丢弃（应丢弃）：{exc}"
        for measure in ("titles", "datetimes", "bodies"):
            tallies[measure].count(False)
        return f"{name}: ✗ 被丢弃，但页面有正文：{exc}"
    if must_drop(row):
        tallies["dropped"].count(False)
        return f"{name}: ✗ 无正文的页面被当作文章保存（标题“{article.title}”）"
    problems = []
    title_right = " ".join(article.title.split()) == " ".join((row.get("title") or "").split())
    tallies["titles"].count(title_right)
    if not title_right:
        problems.append(f"标题“{article.title}”≠“{row.get('title')}”")
    truth_time = (row.get("published") or "").strip()
    time_right = datetime_right(article.published_at, truth_time)
    tallies["datetimes"].count(time_right)
    if not time_right:
        got = article.published_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if article.published_at else "无"
        problems.append(f"时间 {got} ≠ {truth_time}")
    verdict = body_verdict(article.text, row.get("body_first30") or "", row.get("body_last30") or "")
    tallies["bodies"].count(verdict is None)
    if verdict is not None:
        problems.append(f"正文{verdict}")
    return f"{name}: " + ("✓ 标题、时间、正文均正确" if not problems else "✗ " + "；".join(problems))


def _check_sitewatch(row: dict, page: str, url: str, totals: Totals) -> str:
    from crawlers.parsers.sitewatch import defacement_finding, injection_findings, inspect_page

    name = row["file"]
    spam = (row.get("injected_spam") or "").strip().lower() in ("true", "1", "yes")
    try:
        report = inspect_page(page, url=url)
        findings = injection_findings(report)
        defaced = defacement_finding(report, None)
        if defaced is not None:
            findings.append(defaced)
    except BadInput as exc:
        findings, note = [], f"（页面无法读取：{exc}）"
    else:
        note = ""
    if spam:
        totals.tallies["sitewatch_missed"].count(not findings)
        if not findings:
            return f"{name}: ✗ 漏报：页面有植入的垃圾内容，监测未发现{note}"
        return f"{name}: ✓ 发现植入：{findings[0].reason[:80]}"
    totals.tallies["sitewatch_false_alarms"].count(bool(findings))
    if findings:
        return f"{name}: ✗ 误报：{findings[0].reason[:120]}"
    return f"{name}: ✓ 正常页面，无告警{note}"


def evaluate_pages(folder: Path) -> Totals:
    """Run the parsers over every row of `folder/truth.csv`; one Chinese line per page in `lines`."""
    truth_file = folder / "truth.csv"
    if not truth_file.is_file():
        raise BadInput(f"{folder} 中没有 truth.csv")
    with truth_file.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    missing = {"file", "kind", "title", "published", "body_first30", "body_last30", "injected_spam"} - set(
        rows[0].keys() if rows else [])
    if missing:
        raise BadInput(f"{truth_file} 缺少列：{', '.join(sorted(missing))}")
    totals = Totals()
    for row in rows:
        path = folder / row["file"]
        if not path.is_file():
            totals.lines.append(f"{row['file']}: 跳过（文件不存在）")
            continue
        url = (row.get("url") or "").strip() or f"http://saved.invalid/{row['file']}"
        page = decode_page(path.read_bytes(), url)
        kind = (row.get("kind") or "").strip()
        if kind == "sitewatch":
            totals.lines.append(_check_sitewatch(row, page, url, totals))
        elif kind in ("article", "forum"):
            totals.lines.append(_check_article(row, page, url, totals))
        else:
            totals.lines.append(f"{row['file']}: 跳过（未知类型 {kind!r}）")
    return totals


def crawl_report(folder: Path) -> str:
    totals = evaluate_pages(folder)
    return "\n".join([*totals.lines, totals.line()])
