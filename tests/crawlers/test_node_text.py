"""node_text keeps every line of an element, the one before its first <br> included."""

from __future__ import annotations

from parsel import Selector

from crawlers.parsers.fields import node_text


def text_of(markup: str) -> str:
    return node_text(Selector(text=markup).css("div.body"))


def test_text_before_the_first_br_is_kept():
    assert text_of('<div class="body">第一行<br>第二行<br/>第三行</div>') == "第一行\n第二行\n第三行"


def test_paragraphs_and_plain_text():
    assert text_of('<div class="body"><p>甲</p><p> 乙 </p></div>') == "甲\n乙"
    assert text_of('<div class="body">只有一行</div>') == "只有一行"


def test_text_around_paragraphs_is_kept():
    assert text_of('<div class="body">导语<p>正文</p>落款</div>') == "导语\n正文\n落款"


def test_nested_blocks_are_lines_and_code_is_left_out():
    markup = '<div class="body"><div><p>甲</p><p>乙<br>丙</p></div><script>var x;</script><span>丁</span></div>'
    assert text_of(markup) == "甲\n乙\n丙\n丁"
