from __future__ import annotations

import pytest

from nlp.places import Gazetteer

STREETS = {"海滨街道": "haibin", "临江街道": "linjiang", "鲤中街道": "lizhong", "开元街道": "kaiyuan",
           "浮桥街道": "fuqiao", "江南街道": "jiangnan", "金龙街道": "jinlong", "常泰街道": "changtai"}


@pytest.mark.parametrize(("street", "unit"), sorted(STREETS.items()))
def test_each_licheng_street_maps_to_its_office(licheng_profile, street, unit):
    match = Gazetteer(licheng_profile).match(f"{street}某小区门口垃圾成堆，请处理")
    assert match.jurisdiction == unit
    assert street in match.places


@pytest.mark.parametrize(("text", "unit", "place"), [
    ("开元寺附近西街游客太多，交通堵塞", "kaiyuan", "开元寺"),
    ("金柄社区路灯不亮", "jinlong", "金柄"),
    ("华星这边夜里施工噪音扰民", "changtai", "华星"),
])
def test_licheng_communities_roads_landmarks(licheng_profile, text, unit, place):
    match = Gazetteer(licheng_profile).match(text)
    assert (match.jurisdiction, place in match.places) == (unit, True)


def test_demo_districts(demo_profile):
    gazetteer = Gazetteer(demo_profile)
    assert gazetteer.match("A市A3区某小区物业乱收费").jurisdiction == "a3"
    assert gazetteer.match("A7县星沙广泰家园起火").jurisdiction == "a7"


def test_no_place_no_jurisdiction(licheng_profile):
    match = Gazetteer(licheng_profile).match("物业乱收费，请有关部门管管")
    assert match.places == () and match.jurisdiction is None


def test_most_named_street_decides(licheng_profile):
    match = Gazetteer(licheng_profile).match("住在常泰街道，但西街、台魁巷、开元寺一带每天都堵")
    assert match.jurisdiction == "kaiyuan"
