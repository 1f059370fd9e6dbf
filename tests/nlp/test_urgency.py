from __future__ import annotations

import pytest

from nlp.urgency import assess


@pytest.mark.parametrize("text", [
    "某化工厂发生爆炸，3人死亡",
    "德国南部两列火车相撞 致两人死亡14人受伤",
    "学校食堂多名学生食物中毒送医",
    "幼儿园孩子在校园内被打受伤，家长要求说法",
    "村民围堵镇政府，发生暴力冲突",
])
def test_critical_events_are_level_1_even_when_judged_irrelevant(text):
    result = assess(text, relevant=False)
    assert result.level == 1 and result.emergency
    assert result.signals and "非政务相关" not in result.signals


@pytest.mark.parametrize("text", ["青海玉树州称多县发生5.3级地震", "南京一商场失火", "小区地下车库起火"])
def test_disasters_without_casualties_are_level_2(text):
    assert assess(text, relevant=False).level == 2


def test_reported_absence_of_casualties_is_not_a_casualty():
    result = assess("韩国海域一载21人油轮起火：火已扑灭 无人员伤亡")
    assert result.level == 2
    assert not any(s.startswith("伤亡") for s in result.signals)


def test_ordinary_complaint_is_level_3_and_irrelevant_text_level_4():
    assert assess("小区物业乱收费，请有关部门处理").level == 3
    result = assess("杜兰特这么打下去金州登顶有望", relevant=False)
    assert result.level == 4 and result.signals[-1] == "非政务相关"


def test_reach_and_negative_feeling_raise_a_complaint():
    quiet = assess("小区停水三天无人管")
    loud = assess("小区停水三天无人管", negative=0.95, likes=800, reposts=300)
    assert quiet.level == 3 and loud.level == 2
    assert any(s.startswith("传播") for s in loud.signals) and any(s.startswith("负面情绪") for s in loud.signals)


def test_viral_emergency_is_level_1():
    assert assess("小区地下车库起火", reposts=6000).level == 1


@pytest.mark.parametrize("text", ["换个心情？杰拉德-格林换爆炸头发型", "辣到快爆炸了", "鹈鹕逼出勇士最强的死亡五小"])
def test_figurative_words_do_not_raise_alarms(text):
    assert not assess(text, relevant=False).emergency
