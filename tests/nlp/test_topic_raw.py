"""The topic model's raw-message evaluation: how the set is found, that its rows are held out of
training, and that `yuqing eval --task topic` reads title + body."""

from __future__ import annotations

import csv
import gzip
import json

from click.testing import CliRunner

from cli.main import main
from nlp import DATA_DIR
from nlp.topic_eval import RAW_EVAL, match_raw_messages, raw_text

MODEL_CARD = DATA_DIR.parent.parent / "nlp" / "models" / "topic.card.json"


def _labelled(text_seg: str, label: str) -> dict:
    return {"text_seg": text_seg, "label": label}


def _raw(title: str, text: str, msg_id: str = "1") -> dict:
    return {"title": title, "text": text, "source": "gov_messages/x.csv", "msg_id": msg_id}


def test_a_raw_message_repeating_a_labelled_row_takes_its_label_and_holds_the_row_out():
    segmented = [_labelled("小区 物业 乱收费 停车费 每月 三百 业主 不满", "城乡建设"),
                 _labelled("小区 物业 乱收费 停车费 每月 三百 业主 很 不满", "城乡建设"),  # a near-duplicate
                 _labelled("学校 违规 补课 收费 家长 反映", "教育文体")]
    messages = [_raw("小区物业乱收费", "我们小区的物业乱收费，停车费每月三百，业主都不满。"),
                _raw("公交线路太少", "希望增加公交线路。", "2")]
    evaluation, held_out = match_raw_messages(segmented, messages)
    assert [(e["label"], e["msg_id"], e["matched_row"]) for e in evaluation] == [("城乡建设", "1", 0)]
    assert held_out == {0, 1}  # the near-duplicate goes too, the unrelated row stays


def test_a_raw_message_whose_matches_disagree_on_the_label_is_left_out():
    segmented = [_labelled("小区 物业 乱收费 停车费 业主 不满", "城乡建设"),
                 _labelled("小区 物业 乱收费 停车费 业主 不满", "商贸旅游")]
    evaluation, _ = match_raw_messages(segmented, [_raw("物业乱收费", "小区物业乱收费，停车费业主不满")])
    assert evaluation == []


def test_raw_text_is_title_then_body():
    assert raw_text({"title": "噪音扰民", "text": "酒吧每晚噪音"}) == "噪音扰民\n酒吧每晚噪音"
    assert raw_text({"text": "酒吧每晚噪音"}) == "酒吧每晚噪音"


def test_shipped_raw_set_and_training_file_agree():
    with RAW_EVAL.open(encoding="utf-8", newline="") as handle:
        evaluation = list(csv.DictReader(handle))
    with gzip.open(DATA_DIR / "topic_train.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        training = list(csv.DictReader(handle))
    assert len(evaluation) > 300 and {"title", "text", "label"} <= set(evaluation[0])
    for row in evaluation:  # every matched labelled row is held out of training
        assert training[int(row["matched_row"])]["holdout"] == "1"
        assert training[int(row["matched_row"])]["label"] == row["label"]


def test_shipped_card_reports_the_raw_figure_trained_without_those_rows():
    card = json.loads(MODEL_CARD.read_text(encoding="utf-8"))
    raw = card["metrics"]["raw_messages"]
    assert raw["n"] > 300 and 0 < raw["as_analysed"]["macro_f1"] <= 1
    assert card["split"]["held_out_for_raw_evaluation"] > 0


def test_eval_reads_title_and_body(tmp_path):
    data = tmp_path / "raw.csv"
    with data.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["title", "text", "label"])
        writer.writerow(["公司拖欠工资", "公司拖欠工资半年，社保也没交", "劳动和社会保障"])
        writer.writerow(["学校违规补课", "学校违规补课收费，家长不满", "教育文体"])
    result = CliRunner().invoke(main, ["eval", "--task", "topic", "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output and "precision" in result.output and "分析结果的主题" in result.output
