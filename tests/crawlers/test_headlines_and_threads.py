"""Two general rules on small pages of made-up sites: a headline printed over a marked pre-title
(引题, kicker), and a forum thread whose article is its first post however short."""

from __future__ import annotations

import pytest

from crawlers.parsers.article import parse_article
from crawlers.parsers.article_dom import reader_tree, thread_posts

PARAGRAPHS = ("<p>5月9日，新闻办举行系列主题新闻发布会，省里有关负责同志介绍了培育新动能、塑造新优势的情况。</p>"
              "<p>发布会介绍，全省坚持创新驱动，加快建设现代化产业体系，一季度规上工业增加值同比增长百分之七。</p>")
BODY_START, BODY_END = "5月9日，新闻办", "同比增长百分之七。"


def headline_page(kicker: str, main: str, *, title_tag: str) -> str:
    return (f"<html><head><title>{title_tag}</title></head><body><div class='nav'><a href='/'>首页</a></div>"
            f"<div class='article'>{kicker}<h1>{main}</h1><div class='info'>2024年05月10日06:58 来源：某某日报</div>"
            f"{PARAGRAPHS}</div></body></html>")


@pytest.mark.parametrize("marked", ['<h3 class="pre">', '<div class="kicker">', '<p class="yt">',
                                    '<h2 id="pretitle">', '<div class="art-hd pre-title">'])
def test_a_marked_pre_title_that_is_a_headline_is_the_title(marked):
    tag = marked[1:].split()[0]
    raw = headline_page(f"{marked}某省着力培育新动能塑造新优势</{tag}>", "在新时代奋勇争先（高质量发展·权威发布）",
                        title_tag="在新时代奋勇争先（高质量发展·权威发布）--经济--某某网")
    article = parse_article(raw, url="http://news.example.com/a.html")
    assert article.title == "某省着力培育新动能塑造新优势"
    assert article.text.startswith(BODY_START) and article.text.endswith(BODY_END)


def test_a_pre_title_that_leads_into_the_main_line_is_joined_to_it():
    raw = headline_page('<h3 class="pre">省长在某市调研时强调</h3>', "彰显特色优势 提高开放水平",
                        title_tag="彰显特色优势 提高开放水平-某某网")
    assert parse_article(raw, url="http://news.example.com/b.html").title == "省长在某市调研时强调 彰显特色优势 提高开放水平"


@pytest.mark.parametrize("above", ['<h3>要闻</h3>', '<h3 class="cf">本网原创</h3>', '<div class="prev">上一篇</div>', ""])
def test_a_heading_above_that_is_no_pre_title_leaves_the_title_alone(above):
    raw = headline_page(above, "某省着力培育新动能塑造新优势", title_tag="某省着力培育新动能塑造新优势_某某网")
    assert parse_article(raw, url="http://news.example.com/c.html").title == "某省着力培育新动能塑造新优势"


REPLY = ("<p>我来说说我的看法。这个问题其实很常见，很多人都遇到过，关键是要先把情况了解清楚，再找对应的部门反映，"
         "一般来说按照流程走，一两个星期就会有答复。如果实在解决不了，还可以打12345热线，他们会转给相关单位处理。</p>")


def discuz_thread(first_post: str) -> str:
    posts = [first_post, "顶一下", REPLY, "同问，坐等答案"]
    floors = "".join(
        f'<div id="post_{100 + n}"><table><tr><td class="pls"><a href="/u/{n}">网友{n}</a></td><td class="plc">'
        f'<div class="pi"><strong>{"楼主" if n == 0 else f"{n + 1}#"}</strong> 发表于 2024-4-5 23:{20 + n:02d}</div>'
        f'<div class="t_fsz"><table><tr><td class="t_f" id="postmessage_{100 + n}">{text}</td></tr></table></div>'
        f'</td></tr></table></div>' for n, text in enumerate(posts))
    return ("<html><head><title>小区停车位怎么申请 - 百姓话题 - 某某论坛 - Powered by Discuz!</title></head><body>"
            f'<div class="nav"><a href="/">论坛</a></div><div id="postlist"><h1 class="ts">小区停车位怎么申请</h1>{floors}</div>'
            "</body></html>")


@pytest.mark.parametrize("first_post", ["如题", "#停车#", "求助：小区停车位怎么申请？物业说要排队，排了半年还没轮到。"])
def test_a_thread_s_article_is_its_first_post_however_short(first_post):
    article = parse_article(discuz_thread(first_post), url="http://bbs.example.com/thread-1-1-1.html")
    assert article.title == "小区停车位怎么申请"
    assert article.text == first_post


def test_a_thread_without_numbered_ids_is_known_by_its_floors():
    # the first floor's box carries a class of its own besides the post-box name
    floors = "".join(f'<div class="post"><span class="floor">{n + 1}楼</span>'
                     f'<div class="post_content{" post_first" if n == 0 else ""}">{text}</div></div>'
                     for n, text in enumerate(["佛系是什么意思", REPLY, "随缘吧"]))
    raw = (f"<html><head><title>什么样的人才算是佛系_某某吧</title></head><body><h3 class='core_title'>什么样的人才算是佛系</h3>"
           f"{floors}</body></html>")
    assert parse_article(raw, url="http://forum.example.com/p/1").text == "佛系是什么意思"
    assert [node.text_content() for node in thread_posts(reader_tree(raw, url="x").tree)][0] == "佛系是什么意思"


def test_an_article_with_numbered_comments_keeps_its_own_text():
    comments = "".join(f'<div class="reply_content" id="reply_{n}">网友{n}：说得好，支持！</div>' for n in range(5))
    raw = headline_page("", "某省着力培育新动能塑造新优势", title_tag="某省着力培育新动能塑造新优势_某某网").replace(
        "</body>", f'<div class="comments">{comments}</div></body>')
    article = parse_article(raw, url="http://news.example.com/d.html")
    assert article.text.startswith(BODY_START) and article.text.endswith(BODY_END)


def test_one_post_box_is_no_thread():
    raw = headline_page("", "某省着力培育新动能", title_tag="某省着力培育新动能_某某网").replace(
        "<p>5月9日", '<div class="post-content" id="post-12"><p>5月9日').replace("百分之七。</p>", "百分之七。</p></div>")
    assert thread_posts(reader_tree(raw, url="x").tree) == []
    assert parse_article(raw, url="http://blog.example.com/e.html").text.endswith(BODY_END)
