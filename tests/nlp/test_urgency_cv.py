"""Training and measuring the emergency classifier by groups (nlp/urgency_cv.py): DuEE's form is read,
every held-out figure comes from a model and a threshold that never saw the row's group, and
`yuqing eval --task urgency` reads DuEE's disaster 0/1 form. Quality figures are printed by
`python -m nlp.urgency_cv` and `yuqing eval`, not asserted here."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from nlp.urgency_cv import (
    BOUNDS,
    NEWS,
    GroupedFits,
    choose_threshold,
    label_urgency_rows,
    raised,
    read_events,
    training_rows,
)
from yuqing.errors import BadInput

NEWS_ROWS = [
    ("某化工厂发生爆炸，造成3人死亡", "灾害/意外-爆炸", "1", "爆炸"),
    ("高速公路上两车追尾，司机受伤", "灾害/意外-车祸", "1", "车祸"),
    ("勇士118比113击败火箭晋级决赛", "竞赛行为-胜负", "0", ""),
    ("著名演员因病去世，享年80岁", "人生-死亡", "0", ""),
    ("警方抓获涉嫌盗窃的犯罪嫌疑人", "司法行为-拘捕", "0", ""),
]


def _write(path, rows, header=("text", "event_types", "disaster", "disaster_types")):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_news_sentences_are_read_with_their_event_type_as_group(tmp_path):
    rows = read_events(_write(tmp_path / "events.csv", NEWS_ROWS))
    assert [r["label"] for r in rows] == ["emergency", "emergency", NEWS, NEWS, NEWS]
    assert [r["group"] for r in rows] == ["events:爆炸", "events:车祸", "events:竞赛行为-胜负", "events:人生-死亡",
                                          "events:司法行为-拘捕"]


def test_a_bad_disaster_flag_is_refused_with_its_line(tmp_path):
    with pytest.raises(BadInput, match="line 3"):
        read_events(_write(tmp_path / "bad.csv", [NEWS_ROWS[0], ("文本", "x", "yes", "")]))
    with pytest.raises(BadInput, match="disaster"):
        read_events(_write(tmp_path / "none.csv", [("文本",)], header=("text",)))


def test_set_rows_are_grouped_by_set_and_ordinary_messages_by_seeded_groups():
    rows = training_rows()
    groups = {r["group"] for r in rows}
    assert {f"set {k}" for k in range(1, 8)} <= groups
    assert {r["group"] for r in rows if r["label"] == "ordinary"} == {f"ordinary {k}" for k in range(5)}


def test_threshold_is_the_lowest_within_every_bound():
    kinds = np.array(["emergency"] * 4 + ["ordinary"] * 50 + [NEWS] * 50)
    p = np.concatenate([[0.9, 0.8, 0.7, 0.2], np.linspace(0, 0.6, 50), np.linspace(0, 0.75, 50)])
    chosen = choose_threshold(kinds, p)
    t = chosen["threshold"]
    assert np.mean(p[kinds == "ordinary"] >= t) <= BOUNDS["ordinary"] and np.mean(p[kinds == NEWS] >= t) <= BOUNDS[NEWS]
    lower = p[p < t].max()
    assert np.mean(p[kinds == "ordinary"] >= lower) > BOUNDS["ordinary"] or np.mean(p[kinds == NEWS] >= lower) > BOUNDS[NEWS]


def test_grouped_predictions_never_come_from_a_model_that_saw_the_group(monkeypatch):
    tokens = [[f"w{i % 7}", f"g{i % 10}"] for i in range(100)]
    kinds = np.array(["emergency" if i % 3 == 0 else NEWS for i in range(100)])
    groups = np.array([f"g{i % 10}" for i in range(100)])
    fits = GroupedFits(tokens, kinds, groups)
    seen = []
    original = fits.fit

    def spy(index):
        seen.append(set(groups[index]))
        return original(index)

    monkeypatch.setattr(fits, "fit", spy)
    out = fits.nested()
    assert not np.isnan(out["probability"]).any() and len(out["thresholds"]) == 5
    # every fit leaves out at least one whole group, and an outer fit's groups never meet its test rows'
    assert all(len(s) < 10 for s in seen)


def test_a_model_alarm_raises_to_two_never_to_one():
    assert raised(np.array([1, 2, 3, 4]), np.array([True, True, True, False])).tolist() == [1, 2, 2, 4]


def test_duee_form_is_read_as_emergency_and_news():
    rows = list(label_urgency_rows([{"text": "a", "disaster": "1"}, {"text": "b", "disaster": "0"},
                                    {"text": "c", "label": "ordinary"}]))
    assert [r["label"] for r in rows] == ["emergency", NEWS, "ordinary"]


def test_eval_prints_the_issue_figures_for_duee_form(tmp_path):
    from click.testing import CliRunner

    from cli.main import main

    data = _write(tmp_path / "events.csv", NEWS_ROWS)
    result = CliRunner().invoke(main, ["eval", "--task", "urgency", "--data", str(data), "--profile", "demo"])
    assert result.exit_code == 0, result.output
    assert "emergencies" in result.output and "news of other events" in result.output
    assert "level 1:" in result.output and "level ≤ 2:" in result.output
