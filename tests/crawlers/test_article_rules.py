"""The general rules of article extraction on small pages: a browser's reading of a stray </html>,
hidden duplicates, printed time over meta tags, titles without the site's name, furniture lines,
real names only, and spam from the article rather than the site menu."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from crawlers.parsers.article import parse_article
from crawlers.parsers.article_lines import trim_lines
from crawlers.parsers.article_meta import printed_date, real_name, strip_site
from yuqing.errors import BadInput

CHINA = ZoneInfo("Asia/Shanghai")
PARAGRAPHS = ("<p>6月14日，县里召开防汛工作会议，部署今年汛期各项工作。会议要求各乡镇压实责任，做好预案，落实到人。</p>"
              "<p>会议强调，要加强值班值守，及时发布预警信息，确保群众生命财产安全，坚决打赢防汛这场硬仗。</p>")


def page(content: str, *, head: str = "<title>县里召开防汛工作会议_某某县人民政府</title>", menu: str = "") -> str:
    nav = menu or '<div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a> <a href="/hd/">互动交流</a></div>'
    return f"<html><head>{head}</head><body>{nav}<div class='main'><h1>县里召开防汛工作会议</h1>{content}</div></body></html>"


def local(article) -> str:
    return article.published_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def test_a_stray_html_end_tag_does_not_end_the_page():
    # a gov.cn header template closes the document early; a browser reads on, and so do we
    raw = ('<html><head><title>关于做好防汛工作的通知_某某县人民政府</title></head><body>'
           '<div class="header"><a href="/">首页</a><a href="/xxgk/">信息公开</a></div></body></html>'
           f'<div class="article"><h1>关于做好防汛工作的通知</h1><p>发布日期：2024-05-09</p>{PARAGRAPHS}</div>')
    article = parse_article(raw, url="http://www.example.gov.cn/a.html")
    assert article.title == "关于做好防汛工作的通知"
    assert article.text.startswith("6月14日") and article.text.endswith("坚决打赢防汛这场硬仗。")
    assert "首页" not in article.text


def test_printed_time_beats_a_date_only_meta_tag_and_a_hidden_duplicate_is_ignored():
    raw = page('<div class="info">发布时间：2019年06月15日08:18 来源：县政府办</div>'
               '<div style="display:none">发布时间：2014-01-01 00:00 来源：系统管理员</div>'
               f'<div class="content">{PARAGRAPHS}</div>'
               f'<div id="slb" style="display: none;">{PARAGRAPHS}</div>',
               head='<meta name="PubDate" content="2014-01-01"><title>县里召开防汛工作会议_某某县人民政府</title>')
    article = parse_article(raw, url="http://x.invalid/a.html")
    assert local(article) == "2019-06-15 08:18"
    assert article.source_name == "县政府办"
    assert article.text.count("会议强调") == 1


@pytest.mark.parametrize(("line", "expected"), [
    ("2024 05/09 22:27:02 来源：新华网", "2024-05-09 22:27"),
    ("来源：人民日报2024-05-13 08:49", "2024-05-13 08:49"),
    ("2019年06月15日08:18  字号：大 中 小", "2019-06-15 08:18"),
    ("成文日期：2022-01-27 发布日期：2022-01-28", "2022-01-28 00:00"),
])
def test_printed_dates(line, expected):
    value, _ = printed_date(["县里召开防汛工作会议", line], "县里召开防汛工作会议")
    assert value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("租户将车停自家院子要交“资源占用费”？_网易订阅", "租户将车停自家院子要交“资源占用费”？"),
    ("神舟十八号载人飞船发射取得圆满成功_中国载人航天官方网站", "神舟十八号载人飞船发射取得圆满成功"),
    ("李强在新疆调研时强调 彰显特色优势-新华网", "李强在新疆调研时强调 彰显特色优势"),
    ("河南着力培育新动能塑造新优势--经济·科技--人民网", "河南着力培育新动能塑造新优势"),
    ("习近平主持召开座谈会 | 中国政府网", "习近平主持召开座谈会"),
    ("县委召开常委会会议——某某县人民政府网", "县委召开常委会会议"),
    # a ——subtitle that names no site stays
    ("为现代化巴彦淖尔建设凝聚强大智慧和力量——热烈祝贺市政协五届一次会议开幕",
     "为现代化巴彦淖尔建设凝聚强大智慧和力量——热烈祝贺市政协五届一次会议开幕"),
])
def test_site_name_stripped_whatever_the_separator(raw, expected):
    assert strip_site(raw) == expected


def test_title_from_the_article_not_the_logo():
    raw = ('<html><head><title>维护全人类共同利益需联手抵制保护主义_光明网</title></head><body>'
           '<h1 class="logo"><a href="/"><img src="logo.png">光明网</a></h1><h1>全部导航</h1>'
           f'<div class="art"><h1>维护全人类共同利益需联手抵制保护主义</h1>{PARAGRAPHS}</div></body></html>')
    assert parse_article(raw, url="http://x.invalid/").title == "维护全人类共同利益需联手抵制保护主义"


def test_furniture_lines_go_and_the_text_ends_at_the_editor_line():
    lines = ["县里召开防汛工作会议", "原标题：县里开会", "2024-05-09 08:00 来源：县政府办", "字号：大 中 小",
             "6月14日，县里召开防汛工作会议，部署今年汛期各项工作。会议要求各乡镇压实责任，做好预案，落实到人。",
             "会议强调，要加强值班值守，及时发布预警信息，确保群众生命财产安全，坚决打赢防汛这场硬仗。",
             "【编辑：李四】", "相关新闻", "县里召开抗旱工作会议", "Copyright 2024 某某县人民政府 版权所有"]
    kept, removed = trim_lines(lines, title="县里召开防汛工作会议", emphasised=set())
    assert kept == lines[4:6]
    assert "【编辑：李四】" in removed and "相关新闻" in removed


def test_a_numbered_heading_and_an_interview_question_are_text():
    lines = ["一、基本情况", "今年以来，全县共受理群众来信来访一千余件，办结率达到百分之九十八，群众满意度持续提升。",
             "记者：下一步有什么打算？", "我们将继续加大工作力度，确保各项任务按时完成，让群众有更多获得感。"]
    kept, _ = trim_lines(lines, title="某某县信访工作情况", emphasised={"一、基本情况"})
    assert kept == lines


@pytest.mark.parametrize("value", ["系统管理员", "admin", "20240509123", "作者", "  "])
def test_names_that_name_nobody(value):
    assert real_name(value) is None


def test_source_is_not_the_next_label():
    raw = page(f'<div class="info">发布时间：2024-05-09 来源： 作者：</div><div class="content">{PARAGRAPHS}</div>')
    article = parse_article(raw, url="http://x.invalid/")
    assert article.source_name is None and article.author is None


def test_a_gambling_link_in_the_site_menu_does_not_make_the_article_spam():
    menu = '<div class="nav"><a href="/">首页</a> <a href="/lottery/">时时彩</a> <a href="/stock/">股票</a></div>'
    article = parse_article(page(f'<div class="content">{PARAGRAPHS}</div>', menu=menu), url="http://x.invalid/")
    assert not article.spam and article.injected == []


def test_a_hidden_gambling_link_inside_the_article_is_found():
    injected = '<div style="display:none"><a href="http://bet.example/">时时彩平台注册送彩金</a></div>'
    article = parse_article(page(f'<div class="content">{PARAGRAPHS}{injected}</div>'), url="http://x.invalid/")
    assert article.spam and article.injected == ["时时彩平台注册送彩金"]
    assert "时时彩" not in article.text


@pytest.mark.parametrize("body", [
    # a homepage: lists of links and nothing else
    '<ul><li><a href="/1.html">县里召开防汛工作会议</a></li><li><a href="/2.html">县长调研春耕生产</a></li>'
    '<li><a href="/3.html">关于做好防汛工作的通知</a></li></ul>',
    # a soft error page served with status 200
    '<div class="msg">错误的版面参数！请确认您是从有效的连接进入。</div>',
])
def test_a_page_without_an_article_is_dropped_with_a_reason(body):
    with pytest.raises(BadInput, match="no article"):
        parse_article(f"<html><head><title>某某县人民政府</title></head><body>{body}</body></html>",
                      url="http://x.invalid/")


def test_published_at_is_aware_utc():
    article = parse_article(page(f'<p>发布时间：2024-05-09 22:27</p>{PARAGRAPHS}'), url="http://x.invalid/")
    assert article.published_at == datetime(2024, 5, 9, 14, 27, tzinfo=ZoneInfo("UTC"))


def test_a_long_metadata_line_before_the_text_is_no_text():
    raw = page('<div>发布时间：2024-05-09 10:30:00 来源：县应急管理局 浏览次数：1024 【字体：大 中 小】 【打印本页】 【关闭窗口】</div>'
               f'<div class="content">{PARAGRAPHS}</div>')
    article = parse_article(raw, url="http://x.invalid/")
    assert article.text.startswith("6月14日") and local(article) == "2024-05-09 10:30"


def test_title_when_the_title_tag_is_only_the_site_name():
    raw = ('<html><head><title>某某县人民政府门户网站</title></head><body><div class="logo">某某县人民政府门户网站</div>'
           '<div class="list"><h3>县长调研春耕生产</h3></div>'
           f'<div class="detail"><div class="biaoti">关于做好今年防汛工作的通知</div>{PARAGRAPHS}</div></body></html>')
    raw = raw.replace('class="biaoti"', 'class="article-title"')
    assert parse_article(raw, url="http://x.invalid/").title == "关于做好今年防汛工作的通知"


# two common templates written out: a TRS-style 信息公开 notice and a news page with inline lists
TRS = """<html><head><meta name="ArticleTitle" content="关于做好2024年秋季学期招生工作的通知"><meta name="PubDate" content="2024-05-09 16:30">
<title>关于做好2024年秋季学期招生工作的通知 - 某某县人民政府</title></head><body>
<div class="top"><div class="date">2024年5月13日 星期一</div><a href="/">首页</a><a href="/zwgk">政务公开</a><a href="/bsfw">办事服务</a></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/tzgg">通知公告</a></div>
<table class="xxgk"><tr><td>索引号：</td><td>11350500MB0000000X/2024-00123</td><td>发布机构：</td><td>县教育局</td></tr>
<tr><td>发布日期：</td><td>2024-05-09</td><td>文号：</td><td>某教〔2024〕12号</td></tr></table>
<div class="article"><h1 class="title">关于做好2024年秋季学期招生工作的通知</h1>
<div class="info"><span>发布时间：2024-05-09 16:30</span> <span>来源：县教育局</span> <span>浏览次数：</span><span>【字体：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】</span></div>
<div class="TRS_Editor"><p>各乡镇中心学校，县直各学校：</p>
<p>为做好2024年秋季学期招生工作，保障适龄儿童少年依法接受义务教育，现将有关事项通知如下。</p>
<p>一、招生对象</p><p>凡年满6周岁的适龄儿童，均应入学接受义务教育，各学校不得以任何理由拒收。</p>
<p>二、工作要求</p><p>各学校要严格执行招生政策，规范招生行为，确保招生工作公开、公平、公正。</p>
<p align="right">某某县教育局</p><p align="right">2024年5月9日</p></div>
<div class="fj">附件：<a href="/a.doc">1.入学报名表.doc</a></div>
<div class="tools"><a href="javascript:print()">【打印本页】</a> <a href="javascript:close()">【关闭窗口】</a></div></div>
<div class="footer">主办：某某县人民政府办公室 网站标识码：3505000001 闽ICP备12345678号</div></body></html>"""
NEWS = """<html><head><meta property="og:title" content="城市有轨电车之困"><meta property="article:published_time" content="2024-05-10T05:54:20+08:00">
<title>城市有轨电车之困｜每经网</title></head><body>
<header><h1 class="logo"><a href="/">每经网</a></h1><nav><a href="/">首页</a><a href="/caijing">财经</a><a href="/lottery">时时彩</a></nav></header>
<div class="main"><div class="left"><h1>城市有轨电车之困</h1><div class="meta">2024年05月10日 00:26 <a href="/">每日经济新闻</a></div>
<div class="share">分享到：<a>微信</a><a>微博</a></div>
<div class="article-body"><p>建设4年、运营3年，又废弃3年，繁华的梅华路中央，躺着两条锈迹斑斑的铁轨。这是珠海有轨电车1号线。</p>
<p>图片来源：珠海现代有轨电车官网</p>
<p>珠海市交通运输局公布的数据显示，2017年到2021年运营期间，珠海有轨电车1号线日均客流强度不足400人次/公里。</p>
<div class="related"><h3>相关新闻</h3><ul><li><a href="/1">有轨电车还能坐吗？</a></li><li><a href="/2">多地叫停有轨电车项目</a></li></ul></div>
<p>沈阳浑南新区的现代有轨电车，作为国内第一个一次性成网、规模最大的有轨电车网络，运营里程102.6公里。</p>
<p class="editor">责任编辑：刘德宾</p></div>
<div class="comment"><h3>网友评论</h3><p>这个项目太浪费了，钱都打水漂了，谁来负责？</p></div></div>
<div class="right"><h3>热点新闻</h3><ul><li><a href="/3">今日股市收盘点评</a></li></ul></div></div>
<div class="footer">Copyright © 2024 每经网 版权所有 违法和不良信息举报电话：010-12345678</div></body></html>"""


def test_a_trs_style_notice_keeps_its_luokuan_and_loses_its_furniture():
    article = parse_article(TRS, url="http://x.invalid/")
    assert article.title == "关于做好2024年秋季学期招生工作的通知"
    assert local(article) == "2024-05-09 16:30" and article.source_name == "县教育局"
    lines = article.text.splitlines()
    assert lines[0] == "各乡镇中心学校，县直各学校：" and lines[-2:] == ["某某县教育局", "2024年5月9日"]
    assert "一、招生对象" in lines
    for chrome in ("字体", "打印", "附件", "ICP", "星期一", "索引号"):
        assert chrome not in article.text, chrome


def test_a_news_page_without_share_bar_related_list_editor_comments_or_footer():
    article = parse_article(NEWS, url="http://x.invalid/")
    assert article.title == "城市有轨电车之困"
    assert local(article) == "2024-05-10 00:26"  # printed, not the meta tag's 05:54
    assert article.text.startswith("建设4年") and article.text.endswith("运营里程102.6公里。")
    for chrome in ("分享到", "相关新闻", "有轨电车还能坐吗", "责任编辑", "网友评论", "热点新闻", "Copyright"):
        assert chrome not in article.text, chrome
    assert not article.spam  # 时时彩 is a menu entry of the site, not in the article


def test_an_article_cut_into_one_box_per_paragraph_is_read_whole():
    long = "会议强调，" + "要加强值班值守，及时发布预警信息，确保群众生命财产安全，" * 6 + "坚决打赢防汛这场硬仗。"
    boxes = (f"<div>6月14日，县里召开防汛工作会议，部署今年汛期各项工作，压实各方责任。</div><div>{long}</div>"
             "<div>会议要求，各乡镇要做好预案，落实到人，确保万无一失，全力保障度汛安全。</div>")
    article = parse_article(page(f'<div class="text">{boxes}</div>'), url="http://x.invalid/")
    assert article.text.startswith("6月14日") and article.text.endswith("全力保障度汛安全。")


def test_visible_links_in_the_article_count_only_when_they_leave_the_site():
    own = '<p>详情请到<a href="/bszn/">办证大厅</a>咨询，或拨打服务热线，工作人员将为您解答相关问题。</p>'
    article = parse_article(page(f'<div class="content">{PARAGRAPHS}{own}</div>'), url="http://www.x.gov.cn/a.html")
    assert not article.spam
    away = '<p><a href="http://www.bet-example.com/">时时彩</a></p>'
    article = parse_article(page(f'<div class="content">{PARAGRAPHS}{away}</div>'), url="http://www.x.gov.cn/a.html")
    assert article.spam and article.injected == ["时时彩"]


def test_a_hidden_copy_of_the_article_is_not_an_injection():
    # the 适老/长者 view repeats the article, spam-looking words of a complaint included
    text = "<p>群众反映办证难、办证慢的问题，县政务服务中心已经督促整改，并开设绿色通道，方便群众办理各类证件。</p>"
    article = parse_article(page(f'<div class="content">{PARAGRAPHS}{text}</div><div style="display:none">{PARAGRAPHS}{text}</div>'),
                            url="http://x.invalid/")
    assert not article.spam and article.text.count("办证难") == 1


def test_closing_notes_go_with_the_credits_but_contacts_and_the_luokuan_stay():
    text = "全文第一段讲述了事情的经过，群众反映的问题已经得到解决，相关部门表示将持续跟进。"
    kept, _ = trim_lines([text, "文中人物为化名", "感谢某某为本文提供的帮助", "编辑：王五"], title="标题", emphasised=set())
    assert kept == [text]
    notice = [text, "联系人：张三 电话：0591-12345678", "某某县教育局", "2024年5月9日", "（责任编辑：张三）"]
    kept, _ = trim_lines(notice, title="标题", emphasised=set())
    assert kept == notice[:4]
