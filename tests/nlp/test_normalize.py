from __future__ import annotations

import pytest

from nlp.normalize import clean, detect_spam, to_halfwidth, to_simplified
from tests.nlp.conftest import SEED_PAGE


def test_traditional_to_simplified():
    assert to_simplified("鯉城區人民政府辦公室關于印發") == "鲤城区人民政府办公室关于印发"


def test_fullwidth_to_halfwidth_keeps_chinese_punctuation():
    assert to_halfwidth("Ａ３区１２３号，ＡＢＣ") == "A3区123号,ABC" or to_halfwidth("Ａ３区１２３号，ＡＢＣ") == "A3区123号，ABC"
    assert to_halfwidth("ＡＢＣ１２３") == "ABC123"


def test_clean_strips_furniture_links_mentions_and_emoji():
    text = "[收藏] [打印] [關閉] 小區停水三天了😡 @鲤城发布 详见 https://example.invalid/a?b=1 [怒]"
    cleaned = clean(text)
    assert "收藏" not in cleaned and "打印" not in cleaned and "关闭" not in cleaned
    assert "http" not in cleaned and "example" not in cleaned
    assert "@" not in cleaned and "鲤城发布" not in cleaned
    assert "😡" not in cleaned and "[怒]" not in cleaned
    assert "小区停水三天了" in cleaned


def test_clean_of_nothing_is_empty():
    assert clean("") == "" and clean("   \n\t ") == ""


@pytest.mark.skipif(not SEED_PAGE.is_file(), reason=f"seed page {SEED_PAGE} not present")
def test_seed_page_spam_line_is_marked_not_dropped():
    page = SEED_PAGE.read_text(encoding="utf-8")
    last = [line for line in page.splitlines() if line.strip()][-1].strip()
    spam, reason = detect_spam(page)
    assert spam
    assert last[:10] in to_simplified(reason) or to_simplified(last)[:10] in reason
    # the page itself is kept: the cleaned text still carries the plan, only marked as spam
    assert "政务公开" in clean(page)
    body = "\n".join(page.splitlines()[:-3])
    assert detect_spam(body) == (False, None)


@pytest.mark.parametrize("text", ["代开发票，联系QQ 12345678", "澳门葡京真人娱乐在线开户", "SEO优化快速排名，点击 www.example.invalid"])
def test_spam_kinds(text):
    spam, reason = detect_spam(text)
    assert spam and reason


@pytest.mark.parametrize("text", ["小区物业乱收费", "学校门口交通拥堵，请交警疏导", "我要办理居住证"])
def test_ordinary_messages_are_not_spam(text):
    assert detect_spam(text) == (False, None)


@pytest.mark.parametrize("text", ["A3区东方红路超市后面有老虎机，请公安打击", "小区8年了还没有办证，开发商推诿",
                                  "请加大对A7县黄兴镇地下六合彩的打击力度"])
def test_complaints_about_gambling_or_paperwork_are_not_spam(text):
    assert detect_spam(text) == (False, None)
