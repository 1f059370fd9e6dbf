"""`yuqing analyze --input/--output`, `yuqing eval` and `yuqing train` through the real CLI."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from cli.main import main
from nlp import DATA_DIR, MODEL_DIR
from nlp.batch import OUTPUT_COLUMNS, analyze_csv

REQUIRED = ["topic", "topic_prob", "topic_level2", "relevant", "urgency", "urgency_signals", "sentiment",
            "sentiment_score", "places", "jurisdiction", "keywords", "spam"]


def _write(path, header, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _read(path):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_analyze_csv_keeps_every_column_and_reports_bad_rows(tmp_path):
    source = _write(tmp_path / "in.csv", ["id", "title", "text", "time", "likes", "reposts", "comments"], [
        ["1", "", "某化工厂发生爆炸，3人死亡", "2026-05-01 10:00", "12", "3", "4"],
        ["2", "物业", "A市A3区某小区物业乱收费", "", "", "", ""],
        ["3", "", "", "", "", "", ""],
        ["4", "", "鹈鹕逼出勇士最强的死亡五小", "", "many", "", ""],
        ["5", "", "短行"],
    ])
    result = CliRunner().invoke(main, ["analyze", "--input", str(source), "--output", str(tmp_path / "out.csv"),
                                       "--profile", "demo"])
    assert result.exit_code == 0, result.output
    rows = _read(tmp_path / "out.csv")
    assert [r["id"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert set(REQUIRED) <= set(rows[0])
    explosion, housing, empty, sports, short = rows
    assert (explosion["relevant"], explosion["urgency"], explosion["error"]) == ("true", "1", "")
    assert "伤亡" in explosion["urgency_signals"]
    assert housing["topic"] in ("城乡建设", "商贸旅游") and housing["jurisdiction"] == "a3"  # 物业: the board uses both
    assert 0 < float(housing["topic_prob"]) <= 1
    assert empty["error"] == "empty text" and empty["topic"] == ""
    assert sports["relevant"] == "false" and sports["urgency"] == "4" and "likes not a number" in sports["error"]
    assert short["topic"] and short["error"] == ""
    assert "读取 5 行，分析 4 行" in result.output


def test_streaming_in_batches_keeps_order(tmp_path, demo_analyzer):
    rows = [[str(i), f"第{i}号留言：小区门口垃圾{i}天没人清理"] for i in range(700)]
    source = _write(tmp_path / "big.csv", ["n", "text"], rows)
    report = analyze_csv(source, tmp_path / "out.csv", demo_analyzer, progress=False, batch_size=128)
    out = _read(tmp_path / "out.csv")
    assert report.rows == report.analysed == 700
    assert [r["n"] for r in out] == [str(i) for i in range(700)]
    assert list(out[0])[:2] == ["n", "text"] and list(out[0])[2:] == list(OUTPUT_COLUMNS)


def test_analyze_csv_without_text_column_is_a_clear_error(tmp_path):
    source = _write(tmp_path / "in.csv", ["content"], [["x"]])
    result = CliRunner().invoke(main, ["analyze", "--input", str(source), "--output", str(tmp_path / "o.csv")])
    assert result.exit_code != 0 and "需要 `text` 列" in result.output


def test_analyze_input_needs_output(tmp_path):
    source = _write(tmp_path / "in.csv", ["text"], [["x"]])
    result = CliRunner().invoke(main, ["analyze", "--input", str(source)])
    assert result.exit_code != 0 and "必须同时给出" in result.output


@pytest.mark.parametrize("task", ["topic", "relevance", "sentiment"])
def test_eval_prints_accuracy_macro_f1_and_per_class_table(tmp_path, task):
    samples = {
        "topic": [("公司拖欠工资半年，社保也没交", "劳动和社会保障"), ("学校违规补课收费", "教育文体"),
                  ("小区物业乱收费", "城乡建设"), ("工厂排放废气，气味刺鼻", "环境保护")],
        "relevance": [("小区停水三天无人管", "relevant"), ("周杰伦新专辑首发", "irrelevant")],
        "sentiment": [("非常满意，谢谢", "positive"), ("太差劲了，气死我了", "negative")],
    }[task]
    data = _write(tmp_path / "eval.csv", ["text", "label"], [list(s) for s in samples * 3])
    result = CliRunner().invoke(main, ["eval", "--task", task, "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.output and "macro-F1" in result.output and "precision" in result.output
    for _, label in samples:
        assert label in result.output


def test_eval_urgency_on_the_shipped_real_emergencies():
    result = CliRunner().invoke(main, ["eval", "--task", "urgency", "--data", str(DATA_DIR / "urgency_eval.csv"),
                                       "--profile", "demo"])
    assert result.exit_code == 0, result.output
    assert "emergency" in result.output and "ordinary" in result.output


@pytest.mark.slow
def test_train_cli_on_a_small_csv(tmp_path):
    rows = [("太差劲了，气死我了", "negative"), ("非常满意，谢谢", "positive"), ("服务很好，下次还来", "positive"),
            ("等了两个小时还没送到", "negative"), ("味道一般，还很贵", "negative"), ("好吃，分量足", "positive")]
    data = _write(tmp_path / "s.csv", ["text", "label"], [list(r) for r in rows * 6])
    result = CliRunner().invoke(main, ["train", "--task", "sentiment", "--data", str(data), "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "m" / "sentiment.joblib").is_file() and (tmp_path / "m" / "sentiment.card.json").is_file()
    assert "held-out split" in result.output
    assert not (MODEL_DIR / "sentiment.joblib").samefile(tmp_path / "m" / "sentiment.joblib")


def test_eval_card_prints_the_held_out_figures():
    result = CliRunner().invoke(main, ["eval", "--task", "topic", "--card"])
    assert result.exit_code == 0, result.output
    assert "held-out split" in result.output and "raw_messages" in result.output
    assert CliRunner().invoke(main, ["eval", "--task", "topic"]).exit_code != 0


def test_relevance_card_judges_its_held_out_split_again_with_todays_rules():
    result = CliRunner().invoke(main, ["eval", "--task", "relevance", "--card"])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines() if line.startswith("  news_game ")]
    model_share, override_share = float(lines[0][-3]), float(lines[0][-1])
    assert 0 < override_share <= model_share <= 1  # an override only ever makes a text relevant
