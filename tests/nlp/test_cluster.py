from __future__ import annotations

from datetime import datetime, timedelta

from nlp.cluster import Candidate, best_match, heat, score
from nlp.simhash import distance, simhash, simhash_many, similarity
from nlp.tokenize import analyzer_tokens

NOW = datetime(2026, 5, 1, 12, 0)


def test_simhash_near_duplicates_are_close_and_different_texts_far():
    a = simhash(analyzer_tokens("A3区金星路每天车流量非常大，门口斑马线交通事故频发，请求设置红绿灯"))
    b = simhash(analyzer_tokens("A3区金星路每天车流量非常大，门口斑马线交通事故频发，请求尽快设置红绿灯"))
    c = simhash(analyzer_tokens("教师工资拖欠三个月，学校领导不回应"))
    assert len(a) == 16 and distance(a, b) <= 6 < distance(a, c)
    assert similarity(a, b) > similarity(a, c)
    assert simhash([]) == "0" * 16 and similarity(None, a) == 0.0


def _candidate(id_, words, hours=0, place="a3", topic="城乡建设"):
    return Candidate(id=id_, simhash=None, keywords=frozenset(words), last_seen=NOW - timedelta(hours=hours),
                     jurisdiction=place, topic=topic)


def test_best_match_respects_the_window_and_the_threshold():
    post = _candidate(None, {"物业", "乱收费", "小区", "停车费"})
    same = _candidate(1, {"物业", "乱收费", "小区", "电梯"}, hours=5)
    old = _candidate(2, {"物业", "乱收费", "小区", "停车费"}, hours=100)
    other = _candidate(3, {"教师", "工资"}, hours=1)
    assert best_match(post, [same, old, other], window=timedelta(hours=72), min_similarity=0.5) == 1
    assert best_match(post, [old, other], window=timedelta(hours=72), min_similarity=0.5) is None


def test_different_place_or_topic_holds_back_a_match():
    post = _candidate(None, {"物业", "乱收费", "小区"})
    assert score(post, _candidate(1, {"物业", "乱收费", "小区"}, place="a5")) < score(post, _candidate(2, {"物业", "乱收费", "小区"}))


def test_heat_grows_with_volume_sources_engagement_and_velocity():
    base = heat(posts=3, sources=1, engagement=10, hours=24)
    assert heat(posts=30, sources=1, engagement=10, hours=24) > base
    assert heat(posts=3, sources=3, engagement=10, hours=24) > base
    assert heat(posts=3, sources=1, engagement=5000, hours=24) > base
    assert heat(posts=3, sources=1, engagement=10, hours=1) > base


def test_near_duplicates_join_by_the_one_distance_setting(monkeypatch):
    """Grouping and the crawl's dedup share one rule: SimHashes within near_dup_distance bits."""
    from crawlers.fingerprint import simhash_text
    from yuqing.settings import reset_settings_cache

    post = _candidate(None, set())
    five_bits, six_bits = "0" * 16, f"{0b111111:016x}"

    def near(sig, **kw):
        return score(Candidate(**{**post.__dict__, "simhash": five_bits}),
                     Candidate(**{**post.__dict__, "id": 1, "simhash": sig}), **kw)

    assert near(f"{0b11111:016x}") == 1 - 5 / 64 and near(six_bits) == 0.0  # default 5 bits
    assert near(six_bits, near_dup_distance=6) == 1 - 6 / 64
    monkeypatch.setenv("YUQING_NEAR_DUP_DISTANCE", "6")
    reset_settings_cache()
    try:
        assert near(six_bits) == 1 - 6 / 64
    finally:
        monkeypatch.delenv("YUQING_NEAR_DUP_DISTANCE")
        reset_settings_cache()
    assert simhash_text("关于金星路红绿灯的建议") == simhash(["关于", "于金", "金星", "星路", "路红", "红绿", "绿灯", "灯的", "的建", "建议"])


def test_simhash_matches_the_textbook_definition():
    import hashlib
    import random
    from collections import Counter

    def reference(tokens):
        weights = [0] * 64
        for token, count in Counter(tokens).items():
            value = int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "big")
            for bit in range(64):
                weights[bit] += count if value >> bit & 1 else -count
        return f"{sum(1 << bit for bit in range(64) if weights[bit] > 0):016x}"

    rng = random.Random(3)
    for _ in range(100):
        tokens = ["".join(rng.choice("物业小区乱收费停水学校") for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(1, 40))]
        assert simhash(tokens) == reference(tokens)
    # a batch, empty lists among them, gives each list its own signature
    batch = [[], *([rng.choice("物业小区乱收费停水学校") for _ in range(rng.randint(0, 30))] for _ in range(50)), []]
    assert simhash_many(batch) == [reference(tokens) if tokens else "0" * 16 for tokens in batch]
