"""The sentiment model reads raw text with its own cut: the polarity cues the content tokens drop
(emoticons, emoji, punctuation, negations) must reach it."""

from __future__ import annotations

import pickle

from nlp import MODEL_DIR
from nlp.models import build_sentiment_classifier, load_model, reads_raw_text, sentiment_inputs, sentiment_tokens
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
    assert "accuracy" in card.metrics["by_domain"]["weibo"]
    positive = list(model.classes_).index("positive")
    p = model.predict_proba(["今天终于见到你了[哈哈]", "今天终于见到你了[泪]", "服务很好", "服务不好"])[:, positive]
    assert p[0] > p[1] and p[2] > p[3]


def test_the_analysis_gives_the_model_the_raw_text():
    """What the analysis reports is the model's reading of the raw post (emoticons and negations
    included), not of the content tokens: equal to the pipeline fed the raw text."""
    from nlp.analyze import Analyzer
    from yuqing.profile import load_profile

    posts = ["今天终于见到你了[泪]", "不好吃，再也不来了！！", "哈哈哈哈[哈哈]开心", "一点都不满意，服务很差", "谢谢大家🙏"]
    analyzer = Analyzer.load(load_profile("demo"), MODEL_DIR)
    results = analyzer.analyze_many([("", text, 0, 0, 0) for text in posts])
    model, _ = load_model("sentiment", MODEL_DIR)
    positive = list(model.classes_).index("positive")
    from_raw = model.predict_proba([f"\n{text}" for text in posts])[:, positive]
    from_tokens = model.predict_proba([analyzer_tokens(text) or ["<empty>"] for text in posts])[:, positive]
    reported = [(r.sentiment_score + 1) / 2 for r in results]
    assert all(abs(a - b) < 1e-4 for a, b in zip(reported, from_raw, strict=True)), (reported, from_raw)
    assert any(abs(a - b) > 0.05 for a, b in zip(reported, from_tokens, strict=True))
