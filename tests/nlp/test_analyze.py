"""The shipped models through the whole analysis (a fresh install analyses without training)."""

from __future__ import annotations

import dataclasses

import pytest

from nlp.analyze import AnalysisResult


def test_result_fields_used_by_the_pipeline_are_there():
    names = {f.name for f in dataclasses.fields(AnalysisResult)}
    assert {"model_version", "topic", "topic_prob", "topic_level2", "relevant", "relevance_score", "urgency",
            "urgency_score", "urgency_signals", "sentiment", "sentiment_score", "places", "jurisdiction", "keywords",
            "spam", "spam_reason", "simhash", "tokens"} <= names


def test_explosion_with_deaths_is_relevant_and_critical(demo_analyzer):
    result = demo_analyzer.analyze("", "某化工厂发生爆炸，3人死亡")
    assert result.relevant and result.urgency == 1
    assert any(s.startswith("伤亡") for s in result.urgency_signals)
    assert any(s.startswith("灾害事故") for s in result.urgency_signals)


def test_property_fees_keep_the_models_topic_and_their_place(demo_analyzer):
    # the board files 物业 fees under 城乡建设 or 商贸旅游 (price supervision) and the analysis reports the
    # model's choice; routing makes either place-bound (tests/nlp/test_level2.py, tests/flows/routing_cases*.yaml)
    result = demo_analyzer.analyze("", "A市A3区某小区物业乱收费")
    assert result.topic in ("城乡建设", "商贸旅游") and not result.needs_triage
    if result.topic == "城乡建设":
        assert result.topic_level2 == "住房保障与房地产"
    assert result.jurisdiction == "a3" and result.relevant


@pytest.mark.parametrize(("text", "topic"), [
    ("A7县某村扶贫资金被村干部截留，贫困户没拿到补助", "农村农业"),
    ("派出所民警对报案推诿不立案，请督察", "政法"),
    ("家里低保被取消，请民政部门重新审核", "民政"),
    ("学校违规补课收费，学生负担太重", "教育文体"),
    ("公司拖欠工资半年，社保也没交", "劳动和社会保障"),
])
def test_topics_of_plain_messages(demo_analyzer, text, topic):
    assert demo_analyzer.analyze("", text).topic == topic


@pytest.mark.parametrize("text", [
    "鹈鹕逼出勇士最强的死亡五小，杜兰特这么打下去金州登顶有望",
    "王者荣耀新赛季上分攻略，这几个英雄必练",
    "A股三大指数集体收涨，券商板块领涨",
    "周杰伦新专辑首发，粉丝排队到凌晨",
])
def test_entertainment_sports_finance_games_are_not_relevant(demo_analyzer, text):
    result = demo_analyzer.analyze("", text)
    assert not result.relevant and result.urgency == 4


def test_sentiment_and_score(demo_analyzer):
    bad = demo_analyzer.analyze("", "太气人了，投诉了三次都没人管，简直无法无天！")
    good = demo_analyzer.analyze("", "感谢社区工作人员，问题很快就解决了，非常满意，点赞！")
    assert bad.sentiment == "negative" and bad.sentiment_score < 0
    assert good.sentiment == "positive" and good.sentiment_score > 0
    assert -1 <= bad.sentiment_score <= 1 and -1 <= good.sentiment_score <= 1


def test_licheng_place_and_keywords(licheng_analyzer):
    result = licheng_analyzer.analyze("开元街道孝感巷路灯坏了", "开元街道孝感巷路灯坏了一个月，晚上很黑，希望尽快修复路灯")
    assert result.jurisdiction == "kaiyuan" and "孝感巷" in result.places
    assert "路灯" in result.keywords and "开元街道" in result.tokens


def test_low_confidence_goes_to_triage_and_empty_text_has_no_topic(demo_analyzer):
    empty = demo_analyzer.analyze("", "！！！")
    assert empty.topic is None and empty.needs_triage and not empty.relevant
    results = demo_analyzer.analyze_many([("", "A市A3区某小区物业乱收费", 0, 0, 0), ("", "嗯", 0, 0, 0)])
    for result in results:
        assert result.needs_triage == (result.topic is None or result.topic_prob < demo_analyzer.triage_below)


def test_batch_equals_one_by_one(demo_analyzer):
    posts = [("", "小区停水三天无人管", 10, 2, 3), ("标题", "学校门口交通拥堵", 0, 0, 0), ("", "", 0, 0, 0)]
    assert demo_analyzer.analyze_many(posts) == [demo_analyzer.analyze(t, x, likes=a, reposts=b, comments=c)
                                                 for t, x, a, b, c in posts]


def test_spam_page_is_marked(demo_analyzer):
    result = demo_analyzer.analyze("鲤城区政务公开实施方案", "全面推进政务公开工作。\n日本三级电影在线")
    assert result.spam and "porn" in result.spam_reason


def test_lone_surrogates_and_control_characters_are_noise_not_an_error(demo_analyzer):
    """Half of a surrogate pair (a broken encoder) or a control character cannot fail the batch it is in."""
    noisy, plain = demo_analyzer.analyze_many([
        ("", "小区\ud800门口\x00路灯坏了\udfff一个月", 0, 0, 0), ("", "小区门口路灯坏了一个月", 0, 0, 0)])
    assert noisy.tokens == plain.tokens and noisy.topic == plain.topic and noisy.sentiment_score == plain.sentiment_score
