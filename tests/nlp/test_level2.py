from __future__ import annotations

import pytest

from nlp.level2 import level2_of, terms
from nlp.topic_rules import harmonised_label


@pytest.mark.parametrize(("level1", "text", "level2"), [
    ("卫生计生", "外卖食品变质，吃了拉肚子", "食品药品监管"),
    ("城乡建设", "小区门口路灯坏了，下水道井盖也丢了", "城市建设和市政管理"),
    ("城乡建设", "小区物业乱收费", "住房保障与房地产"),
    ("教育文体", "区图书馆周末不开放", "文化"),
    ("商贸旅游", "景区导游强迫游客购物", "旅游管理"),
    ("政法", "劳动仲裁裁决后单位不执行", "仲裁与调解"),
])
def test_level2_that_decides_the_unit(level1, text, level2):
    assert level2_of(level1, text) == level2


def test_no_level2_without_a_hint_or_a_level1():
    assert level2_of("城乡建设", "你好") is None
    assert level2_of(None, "小区物业乱收费") is None


def test_every_taxonomy_class_has_level2_terms():
    assert len(terms()) == 15


def test_property_label_harmonised_with_the_taxonomy():
    assert harmonised_label("小区物业乱收费", "商贸旅游") == "城乡建设"
    assert harmonised_label("超市乱收费", "商贸旅游") == "商贸旅游"
