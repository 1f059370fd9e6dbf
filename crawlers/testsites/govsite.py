"""A district government portal on 127.0.0.1, for the article and site-watch crawlers.

Pages:
    /robots.txt                             allows everything but /admin/
    /admin/state?watch=S&visible=N          change the state by hand (demo runs)
    /  and /index.html                      the home page, in the state `watch_state`:
                                            clean | spammed | defaced | dead (404) | error (500)
    /zwgk/tzgg/index.html, index_N.html     the 通知公告 column, newest first, 5 a page (TRS-style pagination)
    /zwgk/tzgg/YYYYMM/tYYYYMMDD_ID.html     articles: ID 1 is the real seed (鲤城区 2017 plan, traditional,
                                            UTF-8, standard meta tags, furniture, the injected spam link);
                                            the others are real 问政 replies, served GBK-encoded with a
                                            visible "发布时间 / 来源" line, nav, related links and footer
`visible` says how many articles are published (the newest ones appear last), so a test can
publish more and check that a second crawl fetches only what is new.
"""

from __future__ import annotations

import csv
import html
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs

from crawlers.testsites.base import Answer, LocalSite

DATA = Path(__file__).resolve().parent / "data"
PAGE_SIZE = 5
SITE_NAME = "泉州市鲤城区人民政府"
SEED_SPAM_HREF = "http://www.sanji-dy.example/"
WATCH_STATES = ("clean", "spammed", "defaced", "dead", "error")


@dataclass(frozen=True)
class GovArticle:
    id: int
    title: str
    paragraphs: tuple[str, ...]
    published: datetime
    source: str
    traditional: bool = False

    @property
    def path(self) -> str:
        day = self.published
        return f"/zwgk/tzgg/{day:%Y%m}/t{day:%Y%m%d}_{self.id}.html"


def seed_lines() -> list[str]:
    text = (DATA / "licheng_plan_2017.txt").read_text(encoding="utf-8")
    return [line.strip(" \t\xa0\u3000") for line in text.splitlines() if line.strip(" \t\xa0\u3000")]


@lru_cache(maxsize=1)
def articles() -> tuple[GovArticle, ...]:
    """All articles, oldest first."""
    lines = seed_lines()
    # the seed ends with the furniture line and the injected spam line: the page template adds both back
    seed = GovArticle(id=1, title=lines[0], paragraphs=tuple(lines[1:-2]), published=datetime(2017, 7, 19, 16, 30),
                      source="區政府辦", traditional=True)
    found = [seed]
    with (DATA / "gov_replies.csv").open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            published = datetime.strptime(row["reply_time"].strip(), "%Y/%m/%d %H:%M:%S")
            paragraphs = tuple(p.strip() for p in row["reply"].replace("\t", "\n").splitlines() if p.strip())
            found.append(GovArticle(id=number, title=f"关于“{row['title']}”的回复", paragraphs=paragraphs,
                                    published=published, source="区政府办公室"))
    return tuple(sorted(found, key=lambda a: (a.published, a.id)))


_NAV = ('<div class="top"><a href="/">首页</a> | <a href="/zwgk/tzgg/index.html">政务公开</a> | '
        '<a href="/hdjl/">互动交流</a> | <a href="/bsfw/">办事服务</a> | <a href="/zjlc/">走进鲤城</a></div>')
_FOOTER = ('<div class="footer"><a href="/about.html">关于我们</a> | <a href="/sitemap.html">网站地图</a> | '
           '<a href="http://www.gov.cn/">中国政府网</a><br>主办：泉州市鲤城区人民政府办公室 '
           '闽ICP备05000000号 网站标识码：3505020001</div>')


def render_seed(article: GovArticle) -> str:
    escape = html.escape
    body = "\n".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)
    return f"""<!DOCTYPE html>
<html lang="zh-Hant"><head><meta charset="utf-8">
<title>{escape(article.title)}_{SITE_NAME}</title>
<meta name="SiteName" content="{SITE_NAME}"><meta name="ColumnName" content="通知公告">
<meta name="ArticleTitle" content="{escape(article.title)}">
<meta name="PubDate" content="{article.published:%Y-%m-%d %H:%M}">
<meta name="ContentSource" content="{escape(article.source)}">
<meta name="Author" content="中共鯉城區委辦公室 鯉城區人民政府辦公室">
<link rel="stylesheet" href="/css/main.css"></head>
<body>{_NAV}
<div class="position">當前位置：<a href="/">首頁</a> &gt; <a href="/zwgk/tzgg/index.html">通知公告</a></div>
<div class="article">
<h1>{escape(article.title)}</h1>
<div class="info">發布時間：{article.published:%Y-%m-%d} 來源：{escape(article.source)} 字號：[大 中 小]</div>
<div class="TRS_Editor">
{body}
</div>
<div class="tools">[<a href="javascript:addFavorite()">收藏</a>] [<a href="javascript:window.print()">打印</a>] [<a href="javascript:window.close()">關閉</a>]</div>
</div>
<div style="position:absolute;left:-9999px;top:-9999px"><a href="{SEED_SPAM_HREF}">日本三级电影在线</a></div>
{_FOOTER}
</body></html>"""


def render_reply(article: GovArticle, related: list[GovArticle]) -> str:
    escape = html.escape
    body = "\n".join(f"<p>{escape(p)}</p>" for p in article.paragraphs)
    links = "".join(f'<li><a href="{r.path}">{escape(r.title)}</a></li>' for r in related)
    return f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">
<title>{escape(article.title)}-{SITE_NAME}</title></head>
<body>{_NAV}
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/tzgg/index.html">通知公告</a></div>
<div class="article">
<h1 class="title">{escape(article.title)}</h1>
<div class="info">发布时间：{article.published:%Y-%m-%d %H:%M} | 来源：{escape(article.source)} | 浏览次数：{100 + article.id * 7}</div>
<div class="content">
{body}
</div>
<div class="tools">【打印本页】 【关闭窗口】</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a></div>
</div>
<div class="related"><h3>相关文章</h3><ul>{links}</ul></div>
{_FOOTER}
</body></html>"""


def render_list(items: list[GovArticle], page: int, pages: int) -> str:
    escape = html.escape
    rows = "\n".join(
        f'<li><a href="{a.path}" title="{escape(a.title)}">{escape(a.title)}</a><span>{a.published:%Y-%m-%d}</span></li>'
        for a in items
    )
    pager = []
    if page > 0:
        pager.append(f'<a href="{"index.html" if page == 1 else f"index_{page - 1}.html"}">上一页</a>')
    if page + 1 < pages:
        pager.append(f'<a class="next" href="index_{page + 1}.html">下一页</a>')
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>通知公告-{SITE_NAME}</title></head>
<body>{_NAV}<div class="list"><ul class="news">{rows}</ul>
<div class="pager">共{pages}页 {' '.join(pager)}</div></div>{_FOOTER}</body></html>"""


_SPAM_BLOCK = f"""<style>.lk0a{{display:none}} .sr {{ position:absolute; left:-3000px }}</style>
<div class="lk0a"><a href="http://www.baijiale-casino.example/">百家乐 真人娱乐 在线开户</a>
<a href="http://www.bet365-vip.example/">bet365 澳门葡京</a></div>
<p class="sr"><a href="http://fapiao-daikai.example/">代开发票</a></p>
<a href="http://seo-rank.example/" style="font-size:1px;color:#fff">快速排名</a>
<div style="position:absolute;left:-9999px"><a href="{SEED_SPAM_HREF}">日本三级电影在线</a></div>"""


# what every government portal carries and a visitor does not see as content: the national
# 政府网站找错 widget, the conac 党政机关 badge, a bShare bar hidden until hover, the CMS credit, a
# hidden 适老 duplicate and login dialog. Site watch must stay quiet about all of it.
_FURNITURE = """<div class="elder" style="display:none"><p>长者模式 鲤城区人民政府门户网站</p></div>
<div class="login-box" style="display:none"><a href="https://zwfw.fujian.gov.cn/login">闽政通登录</a>
<a href="https://passport.hanweb.com/forget">忘记密码</a></div>
<div class="bshare-custom" style="display:none"><a title="分享到" href="http://www.bShare.cn/" id="bshare-shareto"
 class="bshare-more">分享到</a><a title="分享到新浪微博" class="bshare-sinaminiblog"></a></div>
<span id="_ideConac"><a href="https://bszs.conac.cn/sitename?method=show&amp;id=5F3B1C2D" target="_blank">
<img id="imgConac" src="https://dcs.conac.cn/image/red.png"></a></span>
<script id="_jiucuo_" sitecode="3505020001" src="https://zfwzgl.www.gov.cn/exposure/jiucuo.js"></script>
<span id="_span_jiucuo" style="display:none"><a href="https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=3505020001"
 target="_blank">政府网站找错</a></span>
<div style="display:none"><a href="http://www.hanweb.com" target="_blank">Produced By 大汉网络 大汉版通发布系统</a></div>"""


def render_home(state: str, latest: list[GovArticle]) -> str:
    escape = html.escape
    if state == "defaced":
        return """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Hacked by Sh4d0w T3am</title></head>
<body style="background:#000;color:#0f0"><h1>Hacked by Sh4d0w T3am</h1>
<p>Your security is zero. 你的网站已被黑客入侵。</p><p>Greetz: all my brothers</p></body></html>"""
    rows = "\n".join(f'<li><a href="{a.path}">{escape(a.title)}</a> <span>{a.published:%m-%d}</span></li>'
                     for a in latest)
    spam = _SPAM_BLOCK if state == "spammed" else ""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{SITE_NAME}</title>
<meta name="SiteName" content="{SITE_NAME}"></head>
<body>{_NAV}
<div class="banner">鲤城区人民政府门户网站 · 政务公开 · 政民互动 · 办事服务</div>
<div class="news"><h2>通知公告</h2><ul>{rows}</ul><a href="/zwgk/tzgg/index.html">更多</a></div>
<div class="service"><h2>办事服务</h2><p>个人办事 法人办事 部门服务 便民查询 办事指南 表格下载</p>
<p>区长信箱 12345便民服务热线 网上信访 依申请公开 意见征集 在线访谈</p></div>
{spam}
{_FOOTER}
{_FURNITURE}</body></html>"""


def reply_articles(answers, first_id: int) -> tuple[GovArticle, ...]:
    """关于“title”的回复 articles for (title, reply, reply time) triples: how a district portal publishes
    its answers to citizens' messages (the demo publishes those of messages on its board)."""
    found = []
    for number, (title, reply, replied) in enumerate(answers, start=first_id):
        paragraphs = tuple(p.strip() for p in reply.replace("\t", "\n").splitlines() if p.strip())
        found.append(GovArticle(id=number, title=f"关于“{title}”的回复", paragraphs=paragraphs,
                                published=replied.replace(tzinfo=None), source="区政府办公室"))
    return tuple(found)


class GovSite(LocalSite):
    def __init__(self, *, visible: int | None = None, watch_state: str = "clean", answers=(), **kwargs) -> None:
        """`answers`: more (title, reply, reply time) to publish as 关于“…”的回复 (the demo's board replies)."""
        super().__init__(**kwargs)
        base = articles()
        extra = reply_articles(answers, first_id=max(a.id for a in base) + 1)
        self.articles = tuple(sorted(base + extra, key=lambda a: (a.published, a.id)))
        self.visible = len(self.articles) if visible is None else visible
        self.watch_state = watch_state

    def published(self) -> list[GovArticle]:
        """The visible articles, newest first."""
        return list(reversed(self.articles[: self.visible]))

    def answer(self, path: str, query: str) -> Answer:
        if path == "/robots.txt":
            return Answer(body=b"User-agent: *\nDisallow: /admin/\n", content_type="text/plain")
        if path == "/admin/state":
            # /admin/state?watch=spammed&visible=13: drive a hand-run demo (the server binds 127.0.0.1)
            params = {k: v[-1] for k, v in parse_qs(query).items()}
            if params.get("watch") in WATCH_STATES:
                self.watch_state = params["watch"]
            if params.get("visible", "").isdigit():
                self.visible = max(0, min(int(params["visible"]), len(self.articles)))
            return Answer(body=f"watch={self.watch_state} visible={self.visible}\n".encode(), content_type="text/plain")
        published = self.published()
        if path in ("/", "/index.html"):
            if self.watch_state == "dead":
                return Answer(404, "<html><body><h1>404 页面不存在</h1></body></html>".encode())
            if self.watch_state == "error":
                return Answer(500, b"<html><body>500 Internal Server Error</body></html>")
            return Answer(body=render_home(self.watch_state, published[:8]).encode("utf-8"))
        if path.startswith("/zwgk/tzgg/index"):
            name = path.rsplit("/", 1)[1]
            numbered = re.fullmatch(r"index_(\d+)\.html", name)
            page = 0 if name == "index.html" else int(numbered.group(1)) if numbered else -1
            pages = max((len(published) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
            if not 0 <= page < pages:
                return Answer(404, b"<html><body>404</body></html>")
            items = published[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
            return Answer(body=render_list(items, page, pages).encode("utf-8"))
        for article in published:
            if article.path == path:
                if article.traditional:
                    return Answer(body=render_seed(article).encode("utf-8"))
                related = [a for a in published if a.id != article.id][:4]
                return Answer(body=render_reply(article, related).encode("gb18030"),
                              content_type="text/html; charset=gbk")
        return Answer(404, "<html><body><h1>404 页面不存在</h1></body></html>".encode())
