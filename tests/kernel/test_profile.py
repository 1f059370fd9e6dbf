import shutil

import pytest

from yuqing.errors import ConfigError
from yuqing.profile import load_profile
from yuqing.settings import PROJECT_ROOT

SEED_UNITS = {"高新区管委会", "开元街道办事处", "鲤中街道办事处", "海滨街道办事处", "临江街道办事处", "浮桥街道办事处",
              "江南街道办事处", "金龙街道办事处", "常泰街道办事处", "区委宣传部", "区政府办公室"}


def test_licheng_profile_has_the_units_the_seed_names(licheng):
    names = {unit.name for unit in licheng.units.values()}
    assert SEED_UNITS <= names
    assert sum(unit.kind == "street" for unit in licheng.units.values()) == 8
    assert any(unit.added for unit in licheng.units.values())
    for place in licheng.places:
        assert licheng.territorial_unit_for(place.street) is not None, place


def test_demo_profile_matches_the_demo_places():
    demo = load_profile("demo")
    assert demo.territorial_unit_for("A3区").code == "a3"
    assert demo.territorial_unit_for("A7县").code == "a7"


@pytest.fixture
def profile_copy(tmp_path):
    target = tmp_path / "profiles" / "broken"
    shutil.copytree(PROJECT_ROOT / "config" / "profiles" / "licheng", target)
    return target


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("units.yaml", "kind: street", "kind: village", ["units.yaml", "entry 2 (kaiyuan)", "kind"]),
        ("units.yaml", "code: lizhong,", "code: kaiyuan,", ["units.yaml", "used twice"]),
        ("routing.yaml", "unit: hrss}", "unit: nobody}", ["routing.yaml", "owners entry", "nobody"]),
        ("routing.yaml", "topic: [城乡建设, 商贸旅游]", "topic: [城乡建设, 城乡建设]",
         ["routing.yaml", "place_bound.2.topic", "twice"]),
        ("routing.yaml", "topic: [城乡建设, 商贸旅游]", "topic: []", ["routing.yaml", "place_bound.2.topic"]),
        ("routing.yaml", "topic: [城乡建设, 商贸旅游]", "topic: [城乡建设, 商贸旅游], level2: 物业服务",
         ["routing.yaml", "place_bound.2", "single topic"]),
        ("profile.yaml", "ack: 30m", "ack: soon", ["profile.yaml", "sla.levels.1.ack", "soon"]),
        ("profile.yaml", "fallback_unit: gov_office", "fallback_unit: ghost", ["profile.yaml", "fallback_unit", "ghost"]),
        ("profile.yaml", "name: licheng", "name: [licheng", ["profile.yaml", "not valid YAML"]),
        ("places.csv", "开元寺,landmark,开元街道", "开元寺,landmark,火星街道", ["places.csv", "开元寺", "火星街道"]),
    ],
)
def test_malformed_profile_names_file_entry_and_problem(profile_copy, file, old, new, expected):
    path = profile_copy / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_profile("broken", config_dir=profile_copy.parent.parent)
    for part in expected:
        assert part in str(error.value)


def test_missing_profile_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="no such profile"):
        load_profile("nowhere", config_dir=tmp_path)


def test_non_utf8_file_is_a_clear_error(profile_copy):
    (profile_copy / "units.yaml").write_bytes("- {code: x, name: 开元}".encode("gbk"))
    with pytest.raises(ConfigError, match="UTF-8"):
        load_profile("broken", config_dir=profile_copy.parent.parent)
