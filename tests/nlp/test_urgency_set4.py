"""Urgency set 4 (data/nlp/urgency_eval_4.csv): real texts found by plain reading, split dev/test
before the rules were looked at (its honesty checks are in test_urgency_sets.py). The rule changes
made from its dev half must keep firing for the reason they were made."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from nlp import DATA_DIR
from nlp.urgency import assess

SET4 = DATA_DIR / "urgency_eval_4.csv"


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def set4() -> list[dict]:
    return _rows(SET4)


def test_both_halves_are_balanced(set4):
    assert list(set4[0]) == ["text", "label", "source", "split"]
    assert {r["split"] for r in set4} == {"dev", "test"}
    for label in ("emergency", "not_emergency"):
        halves = [sum(r["label"] == label and r["split"] == s for r in set4) for s in ("dev", "test")]
        assert min(halves) > 0 and abs(halves[0] - halves[1]) <= 1, (label, halves)


# a few dev-half emergencies, each with the category of signal that was added for it, and its level on the
# national scale (since the calibration: one victim is a real incident, level 2; 20 people at once, level 1)
DEV_EXAMPLES = [
    ("空姐深夜打车进市区惨遭杀害 凶手仍然在逃", "伤亡", 2),
    ("拉赫曼军团高级头目被暗杀，下手的竟是库尔德武装，什么仇？", "暴力与生命威胁", 2),
    ("3名男子将女子拖到出租屋内性侵，并拍照片威胁，女子：腿都软了", "暴力与生命威胁", 2),
    ("12岁墨西哥姑娘被人贩拐卖，每天被侵犯三十多次，4年后才获救", "学校与儿童安全", 2),
    ("怎么看待九岁女孩阻止插队被打，打人者丈夫谎话连篇？", "学校与儿童安全", 2),
    ("韩国 20 人整容后集体得上败血症 或因变质注射剂！", "中毒", 1),
    ("别去夏威夷！国人这次得听劝！23层楼高的火山岩浆可不会开玩笑", "灾害事故·自然灾害", 2),
    ("连摔2架军机，4000万美元化为灰烬，俄在叙遭重创，还能撑多久？", "灾害事故", 2),
    ("真的好担心啊，其实已经三百多例了，大家出门要戴好口罩啊 ​", "疫情", 2),
    ("恳请大家留心收买且相似的小孩并提供线索，感激不尽，并重酬(父亲：13878135377)[泪]", "失踪", 2),
]


# round 2 (after the test half had been evaluated once, all of set 4 became development data): misses of
# the test half that the category-wide vocabulary now covers, each with the kind of event it reports
ROUND2_EXAMPLES = [
    ("外国3岁男童公园内遭豹子叼走 被找到时仅剩头骨", "动物伤人", 2),
    ("2岁宝宝被父母忘在零下19度室外 发现时已停止呼吸", "伤亡", 2),
    ("10辆越野车穿越罗布泊无人区 有车辆失控滚了20圈", "灾害事故·交通事故", 2),
    ("夏威夷火山持续喷发 当地民众返回家中取走财物", "灾害事故·自然灾害", 2),
    ("寻人！南和男孩两年前打工音讯全无", "失踪", 2),
    ("俄军战机在叙利亚又出事了？真的只是意外？哪有那么简单！", "灾害事故", 2),
]


@pytest.mark.parametrize(("text", "category", "level", "round_"),
                         [(*example, 1) for example in DEV_EXAMPLES] + [(*example, 2) for example in ROUND2_EXAMPLES])
def test_set4_emergencies_fire_their_signal(set4, text, category, level, round_):
    row = next(r for r in set4 if r["text"] == text)
    assert row["label"] == "emergency"
    if round_ == 1:
        assert row["split"] == "dev", "round-1 examples may only come from the dev half"
    result = assess(text, relevant=False)
    assert result.emergency and result.level == level, result
    assert any(s.startswith(category + ":") for s in result.signals), result.signals


def test_eval_cli_measures_one_half(set4):
    from click.testing import CliRunner

    from cli.main import main

    result = CliRunner().invoke(main, ["eval", "--task", "urgency", "--data", str(SET4), "--split", "dev",
                                       "--profile", "demo"])
    assert result.exit_code == 0, result.output
    dev = sum(r["split"] == "dev" for r in set4)
    assert f"split dev ({dev} rows)" in result.output and "loose-word texts" in result.output
    refused = CliRunner().invoke(main, ["eval", "--task", "topic", "--data", str(SET4), "--split", "dev"])
    assert refused.exit_code != 0 and "--split" in refused.output
