"""The emergency classifier beside the urgency rules (nlp/urgency_model.py): the factory, the
shipped model and card, and a leave-one-set-out that never trains or chooses on what it measures.
Quality figures are printed by `yuqing eval --task urgency --loso`, not asserted here."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from nlp import MODEL_DIR
from nlp.features import LinearBank
from nlp.models import load_model
from nlp.tokenize import analyzer_tokens
from nlp.urgency_model import (
    EMERGENCY,
    SET_FILES,
    assign_folds,
    build_emergency_classifier,
    choose_threshold,
    cross_validated_threshold,
    emergency_probabilities,
    leave_one_set_out,
    model_trainer,
    read_sets,
    threshold_of,
)

# (a real emergency report, a text of the same vocabulary using it loosely), both from the sets
PAIRS = [
    ("青海玉树州称多县发生5.3级地震", "汶川地震十年，鄢磊回忆在震区的254个小时（二）"),
    ("反映B2区白关镇姚家坝火灾善后处置不到位的问题", "A7县家和院小区存在火灾隐患"),
    ("特斯拉再出车祸，碰撞起火二死一伤，自动驾驶安全有保障吗？", "高速公路上安装这装置，车祸死亡率降低90%，已获得22项发明专利"),
    ("俄罗斯特种部队出手了，装甲车撞塌房屋后，发生剧烈爆炸", "中国第一颗原子弹爆炸后，只用了8个月，就让氢弹升空"),
    ("举报A市楚雅附一医院一保安打人", "K8县仁和镇鲤鱼塘村村霸诬蔑大学生打人"),
]


@pytest.fixture(scope="module")
def rows():
    return read_sets()


@pytest.fixture(scope="module")
def small_fit(rows):
    """A model on 60 emergencies and 120 others of the sets (seconds, not the shipped one)."""
    emergencies = [r for r in rows if r["label"] == EMERGENCY][::3][:60]
    others = [r for r in rows if r["label"] != EMERGENCY][::7][:120]
    model = build_emergency_classifier()
    sample = emergencies + others
    model.fit([analyzer_tokens(r["text"]) or ["<empty>"] for r in sample],
              [EMERGENCY if r["label"] == EMERGENCY else "other" for r in sample])
    return model


def test_every_pair_is_in_the_sets_with_its_label(rows):
    labels = {r["text"]: r["label"] for r in rows}
    for emergency, loose in PAIRS:
        assert labels[emergency] == "emergency" and labels[loose] == "not_emergency"


def test_factory_pipeline_pickles_and_predicts_the_same(small_fit):
    tokens = [analyzer_tokens(text) for pair in PAIRS for text in pair]
    again = pickle.loads(pickle.dumps(small_fit))
    assert np.allclose(emergency_probabilities(again, tokens), emergency_probabilities(small_fit, tokens))


def test_a_bank_of_several_models_gives_the_pipelines_own_probabilities(small_fit):
    tokens = [analyzer_tokens(text) for pair in PAIRS for text in pair] + [[]]
    feed = [t if t else ["<empty>"] for t in tokens]
    plain = small_fit.predict_proba(feed)[:, list(small_fit.classes_).index(EMERGENCY)]
    shared = emergency_probabilities(small_fit, tokens, LinearBank([load_model("relevance", MODEL_DIR)[0], small_fit]))
    assert np.allclose(shared, plain, atol=1e-6)
    # a bank without this model: the model's own bank then
    assert np.allclose(emergency_probabilities(small_fit, tokens, LinearBank([])), plain, atol=1e-6)
    assert emergency_probabilities(small_fit, []).shape == (0,)


def test_shipped_model_ranks_real_emergencies_above_loose_words_of_the_same_vocabulary():
    model, card = load_model("urgency", MODEL_DIR)
    p = emergency_probabilities(model, [analyzer_tokens(text) for pair in PAIRS for text in pair])
    for (emergency, loose), (p_emergency, p_loose) in zip(PAIRS, p.reshape(-1, 2), strict=True):
        assert p_emergency > p_loose, (emergency, p_emergency, loose, p_loose)
    assert 0 < threshold_of(card) < 1


def test_shipped_card_is_of_the_shipped_sets_with_grouped_figures():
    from nlp.urgency_cv import BOUNDS, DUEE_TERMS

    _, card = load_model("urgency", MODEL_DIR)
    assert card.data_file.split(" + ")[:len(SET_FILES)] == list(SET_FILES)
    grouped = card.metrics["grouped"]
    for figures in (grouped["model_alarms"], grouped["rules"], grouped["rules_and_model"]):
        assert figures["emergency"]["level_le_2"]["n"] >= sum(r["label"] == EMERGENCY for r in read_sets())
    assert all(card.metrics["threshold_choice"]["alarms"][kind] <= bound for kind, bound in BOUNDS.items()
               if kind in card.metrics["threshold_choice"]["alarms"])
    if "duee_train.csv" in card.data_file:  # a model trained on DuEE says so, with its terms
        assert any(DUEE_TERMS in note for note in card.notes)


def test_eval_card_prints_the_threshold_and_the_grouped_figures():
    from click.testing import CliRunner

    from cli.main import main

    result = CliRunner().invoke(main, ["eval", "--task", "urgency", "--card"])
    assert result.exit_code == 0, result.output
    assert "threshold P(emergency)" in result.output and "held out by group" in result.output
    assert "emergencies" in result.output and "ordinary messages" in result.output
    assert CliRunner().invoke(main, ["eval", "--task", "topic", "--loso"]).exit_code != 0


def test_sets_keep_their_fold_and_ordinary_messages_are_dealt_to_every_fold(rows):
    folds = assign_folds(rows)
    assert np.array_equal(folds, assign_folds(rows))
    for row, fold in zip(rows, folds, strict=True):
        if row["label"] != "ordinary":
            assert fold == row["set"]
    dealt = np.bincount([f for r, f in zip(rows, folds, strict=True) if r["label"] == "ordinary"])[1:]
    assert len(dealt) == 7 and dealt.max() - dealt.min() <= 1


def test_threshold_is_the_lowest_within_both_bounds():
    labels = ["emergency"] * 4 + ["ordinary"] * 50 + ["not_emergency"] * 10
    p = np.r_[[0.9, 0.7, 0.5, 0.2], np.linspace(0.0, 0.4, 50), [0.95, 0.6, *[0.1] * 8]]
    chosen = choose_threshold(labels, p)
    # below 0.4 more than 1 of 50 ordinary alarm; up to 0.6 two of 10 loose texts (> 15 %)
    assert chosen["threshold"] == pytest.approx(0.7) and chosen["recall"] == 0.5
    assert chosen["loose_alarms"] == 0.1 and chosen["ordinary_alarms"] == 0.0
    looser = choose_threshold(labels, p, max_loose=0.25)
    assert looser["threshold"] == pytest.approx(0.4) and looser["recall"] == 0.75
    assert choose_threshold(["ordinary", "emergency"], np.array([1.0, 1.0]))["recall"] == 0.0


def _stub(probability: np.ndarray, calls: list):
    """fit remembers its rows; score refuses any row the model was fitted on."""

    def fit(index):
        calls.append(frozenset(index.tolist()))
        return calls[-1]

    def score(model, index):
        assert not model & set(index.tolist()), "a scored row was in the training rows"
        return probability[index]

    return fit, score


def test_leave_one_set_out_never_trains_or_chooses_on_the_held_out_fold(rows):
    labels = np.array([r["label"] for r in rows])
    folds = assign_folds(rows)
    # probabilities that make each fold's own rows decide a different threshold
    probability = np.random.default_rng(0).random(len(rows))
    calls: list = []
    fit, score = _stub(probability, calls)
    result = leave_one_set_out(labels, folds, fit, score)
    every = set(range(len(rows)))
    for fold in np.unique(folds):
        held = set(np.flatnonzero(folds == fold).tolist())
        train = np.array(sorted(every - held))
        # the threshold of the held-out fold is what its training part alone gives
        alone = cross_validated_threshold(train, labels, folds, *_stub(probability, []))
        assert result["thresholds"][int(fold)] == alone
        assert result["alarm"][sorted(held)].tolist() == (probability[sorted(held)] >= alone["threshold"]).tolist()
    # every fit, inner or outer, left out at least one whole fold and nothing else
    for trained in calls:
        left_out = every - trained
        assert left_out and left_out == set(np.flatnonzero(np.isin(folds, folds[sorted(left_out)])).tolist())
    # with all rows the threshold would differ for some fold: the held-out rows would have mattered
    everything = choose_threshold(labels, probability)["threshold"]
    assert any(t["threshold"] != everything for t in result["thresholds"].values())


def test_further_negatives_of_a_held_out_reading_stay_out_of_its_fits():
    tokens = [["火灾", "死亡"], ["火灾", "三人", "死亡"], ["小区", "停水"], ["物业", "收费"], ["地震", "遇难"], ["道路", "坑洼"]]
    labels = ["emergency", "emergency", "ordinary", "not_emergency", "emergency", "ordinary"]
    folds = np.array([1, 1, 1, 2, 2, 2])
    marked = ["独特词", "甲"]
    fit, _ = model_trainer(tokens, labels, folds, extra=[(marked, frozenset({2}))] * 2)
    without_2 = fit(np.flatnonzero(folds == 1)).named_steps["features"].transformer_list[0][1].vocabulary_
    with_all = fit(np.arange(6)).named_steps["features"].transformer_list[0][1].vocabulary_
    assert "独特词" not in without_2 and "独特词" in with_all


def test_the_model_alarm_raises_to_level_two_never_one():
    from nlp.urgency import assess

    plain = assess("小区门口的路灯坏了", relevant=False)
    raised = assess("小区门口的路灯坏了", relevant=False, model_alarm=0.71)
    assert plain.level == 4 and raised.level == 2 and not raised.emergency
    assert "模型: 疑似突发 0.71" in raised.signals
    critical = assess("某化工厂发生爆炸，3人死亡", model_alarm=0.99)
    assert critical.level == 1 and critical.emergency  # the rules' level 1 stays


def test_the_analysis_reports_the_model_alarm_the_rules_miss(demo_analyzer):
    analyzer = demo_analyzer
    # the rules' one miss on set 7: the outbreak is only in a hashtag
    post = "钟院士辛苦了！注意身体啊！！ #红宝石公主号多名乘客感染新冠# 船上那么多人，这得隔离多少人啊"
    with_model = analyzer.analyze("", post)
    rules_only = analyzer.without_emergency_model().analyze("", post)
    assert rules_only.urgency > 2 and not any(s.startswith("模型") for s in rules_only.urgency_signals)
    assert with_model.urgency == 2 and any(s.startswith("模型: 疑似突发") for s in with_model.urgency_signals)
    # the stored analyses name the models that ran
    assert with_model.model_version.count("+") == 3 and rules_only.model_version.count("+") == 2
