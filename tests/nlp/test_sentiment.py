"""The sentiment model reads raw text with its own cut: the polarity cues the content tokens drop
(emoticons, emoji, punctuation, negations) must reach it. It gives three polarities and the emotion,
through one label table for every source."""

from __future__ import annotations

import csv
import gzip
import pickle

import numpy as np
import pytest
from click.testing import CliRunner

from cli.main import main
from nlp import DATA_DIR, MODEL_DIR
from nlp.models import build_sentiment_classifier, load_model, reads_raw_text, sentiment_inputs, sentiment_tokens
from nlp.sentiment import POLARITIES, judge, polarity_of, polarity_probabilities, schemes, target_of
from nlp.tokenize import analyzer_tokens


def test_cut_keeps_emoticons_emoji_punctuation_and_negation():
    tokens = sentiment_tokens("今天不开心[泪][抓狂]😭！！@某人 http://t.cn/abc")
    assert "[泪]" in tokens and "[抓狂]" in tokens and "😭" in tokens
    assert "!" in tokens and any("不" in t for t in tokens)
    assert not any("t.cn" in t or "某人" in t for t in tokens)
    # the content tokens of the same text have lost all of that
    assert not {"[泪]", "😭", "!"} & set(analyzer_tokens("今天不开心[泪][抓狂]😭！！"))


def test_cut_of_traditional_and_empty_text():
    assert sentiment_tokens("開心") == sentiment_tokens("开心")
    assert sentiment_tokens("") == ["<empty>"] == sentiment_tokens("  \n")


def test_token_lists_pass_as_they_are():
    assert sentiment_inputs([["好", "吃"], "好吃", []]) == [["好", "吃"], sentiment_tokens("好吃"), ["<empty>"]]


def test_emoticon_alone_decides_after_training(tmp_path):
    texts = [f"第{i}天 {face}" for i in range(30) for face in ("[哈哈]", "[泪]")]
    labels = ["positive", "negative"] * 30
    model = build_sentiment_classifier(calibrated=False).fit(texts, labels)
    restored = pickle.loads(pickle.dumps(model))
    assert list(restored.predict(["又一天 [哈哈]", "又一天 [泪]"])) == ["positive", "negative"]


def test_shipped_model_reads_raw_text_and_its_cues():
    model, card = load_model("sentiment", MODEL_DIR)
    assert reads_raw_text(model)
    assert card.metrics["cross_source"] and card.split["test_rows"] > 0
    classes = [str(c) for c in model.classes_]
    assert {polarity_of(c) for c in classes} == set(POLARITIES)  # three real classes
    polar = polarity_probabilities(classes, model.predict_proba(
        ["今天终于见到你了[哈哈]", "今天终于见到你了[泪]", "服务很好", "服务不好"]))
    positive = POLARITIES.index("positive")
    assert polar[0, positive] > polar[1, positive] and polar[2, positive] > polar[3, positive]


def test_the_analysis_gives_the_model_the_raw_text():
    """What the analysis reports is the model's reading of the raw post (emoticons and negations
    included), not of the content tokens: equal to the pipeline fed the raw text."""
    from nlp.analyze import Analyzer
    from yuqing.profile import load_profile

    posts = ["今天终于见到你了[泪]", "不好吃，再也不来了！！", "哈哈哈哈[哈哈]开心", "一点都不满意，服务很差", "谢谢大家🙏",
             "明天上午9点，市政府召开新闻发布会。", "气死我了，物业又停水，投诉了三次没人管！", "小区半夜有人砸门，好害怕"]
    analyzer = Analyzer.load(load_profile("demo"), MODEL_DIR)
    results = analyzer.analyze_many([("", text, 0, 0, 0) for text in posts])
    model, _ = load_model("sentiment", MODEL_DIR)
    classes = [str(c) for c in model.classes_]
    from_raw = judge(classes, model.predict_proba([f"\n{text}" for text in posts]))
    from_tokens = judge(classes, model.predict_proba([analyzer_tokens(text) or ["<empty>"] for text in posts]))
    reported = ([r.sentiment for r in results], [r.emotion for r in results], [r.sentiment_score for r in results],
                [r.negative_intensity for r in results])
    assert reported[:2] == from_raw[:2]
    for got, want in zip(reported[2:], from_raw[2:], strict=True):
        assert all(abs(a - b) < 1e-3 for a, b in zip(got, want, strict=True)), (got, want)
    assert any(abs(a - b) > 0.05 for a, b in zip(reported[2], from_tokens[2], strict=True))
    assert {r.sentiment for r in results} == set(POLARITIES)
    for result in results:
        assert -1 <= result.sentiment_score <= 1 and 0 <= result.negative_intensity <= 1
        assert (result.emotion in ("愤怒", "恐惧", "悲伤")) == (result.sentiment == "negative")


def test_one_label_table_for_every_source():
    smp = {"happy": "positive", "angry": "negative", "sad": "negative", "fear": "negative", "neutral": "neutral"}
    nlpcc = {"optimism": "positive", "gratitude": "positive", "anger": "negative", "disgust": "negative",
             "sadness": "negative", "fear": "negative"}
    plain = {"positive": "positive", "negative": "negative", "neutral": "neutral", "正面": "positive", "负面": "negative",
             "中性": "neutral"}
    for label, polarity in (smp | nlpcc | plain).items():
        assert polarity_of(label) == polarity, label
    assert target_of("disgust") == target_of("anger") == target_of("愤怒") == "angry"
    assert target_of("optimism") == target_of("gratitude") == "happy"
    assert polarity_of("surprise") is None and target_of("surprise") is None  # ambiguous: left out
    assert polarity_of("no-such-label") is None


def test_judge_three_polarities_emotion_and_weighted_negative():
    classes = ["angry", "fear", "happy", "neutral", "sad"]
    p = np.array([[0.7, 0.1, 0.1, 0.05, 0.05],   # anger
                  [0.05, 0.05, 0.1, 0.1, 0.7],   # sadness: as negative, but weighs less
                  [0.0, 0.0, 0.9, 0.1, 0.0],
                  [0.1, 0.05, 0.15, 0.6, 0.1],
                  [0.3, 0.0, 0.35, 0.05, 0.3]])  # the negative classes together beat happy
    labels, emotions, scores, intensity = judge(classes, p)
    assert labels == ["negative", "negative", "positive", "neutral", "negative"]
    assert emotions == ["愤怒", "悲伤", "喜悦", "中性", "愤怒"]
    assert intensity[0] > intensity[1] and scores[0] < scores[1] < 0 < scores[2]
    assert intensity[0] == pytest.approx(0.7 + 0.1 + 0.5 * 0.05)


def test_a_binary_model_keeps_the_neutral_band():
    labels, emotions, scores, _ = judge(["negative", "positive"], np.array([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]]))
    assert labels == ["negative", "neutral", "positive"] and emotions[1] == "中性"
    assert scores[2] > 0 > scores[0]


def _write(path, rows, header=("text", "label")):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_eval_maps_emotion_and_polarity_labels(tmp_path):
    rows = [("气死我了，排了三个小时队", "angry"), ("太好了，终于放假了[哈哈]", "happy"), ("好开心[哈哈]", "optimism"),
            ("恶心，这种人怎么还不被抓", "disgust"), ("明天上午9点开会，地点在三楼会议室", "neutral"),
            ("我的天，居然下雪了", "surprise"), ("服务很好，谢谢", "positive"), ("半夜听到砸门声，好害怕", "fear")]
    data = _write(tmp_path / "e.csv", rows * 2)
    result = CliRunner().invoke(main, ["eval", "--task", "sentiment", "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert "polarity accuracy" in result.output and "macro-F1" in result.output and "极性准确率" in result.output
    assert "中性召回" in result.output and "惊奇→" in result.output
    for polarity in POLARITIES:
        assert polarity in result.output


def test_eval_names_unknown_labels(tmp_path):
    data = _write(tmp_path / "e.csv", [("好", "positive"), ("坏", "bad-mood")])
    result = CliRunner().invoke(main, ["eval", "--task", "sentiment", "--data", str(data)])
    assert result.exit_code != 0 and "bad-mood" in result.output


def test_cross_source_schemes_hold_out_each_domain_and_the_split():
    rows = [{"domain": d, "split": s} for d, s in (("a", "train"), ("a", "eval"), ("b", "train"), ("b", "train"))]
    named = {name: (train, test) for name, train, test in schemes(rows)}
    assert named["a ← b"] == ([2, 3], [0, 1]) and named["b ← a"] == ([0, 1], [2, 3])
    assert named["split eval ← split train"] == ([0, 2, 3], [1])


@pytest.mark.slow
def test_train_on_emotion_labels_across_domains(tmp_path):
    from nlp.train import train_sentiment

    with gzip.open(DATA_DIR / "sentiment_train.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        every = list(csv.DictReader(handle))
    taken, counts = [], {}
    for row in every:  # a small slice of each domain × label
        key = (row["domain"], row["label"], row["split"])
        if counts.get(key, 0) < 25:
            counts[key] = counts.get(key, 0) + 1
            taken.append([row["text"], row["label"], row["domain"], row["split"]])
    data = _write(tmp_path / "s.csv", taken, header=("text", "label", "domain", "split"))
    card = train_sentiment(data, tmp_path / "m", progress=False)
    model, _ = load_model("sentiment", tmp_path / "m")
    assert {polarity_of(str(c)) for c in model.classes_} == set(POLARITIES)
    assert "surprise" not in model.classes_ and card.split["left_out_labels"] == ["surprise"]
    assert set(card.metrics["cross_source"]) == {"nlpcc_weibo ← smp_usual+smp_virus", "smp_usual ← nlpcc_weibo+smp_virus",
                                                 "smp_virus ← nlpcc_weibo+smp_usual", "split eval ← split train"}
    virus = card.metrics["cross_source"]["smp_virus ← nlpcc_weibo+smp_usual"]
    assert 0 <= virus["neutral_recall"] <= 1 and virus["polar_accuracy"] > 0.5
    assert "neutral_recall" not in card.metrics["cross_source"]["nlpcc_weibo ← smp_usual+smp_virus"]
    assert "极性准确率" in card.describe()
