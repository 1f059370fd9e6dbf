"""网民主要观点 (nlp/opinions.py) on the shapes real issues have: reposts that differ only in
punctuation or spacing are one opinion, and k-means is never asked for more groups than distinct
texts (pytest turns sklearn's ConvergenceWarning into an error)."""

from nlp.opinions import opinion_groups


def test_reposts_differing_in_punctuation_are_one_opinion():
    texts = ["小区夜间施工噪音扰民！", "小区夜间施工噪音扰民。", "小区 夜间施工噪音扰民!!",
             "拆迁补偿标准太低", "拆迁补偿标准太低？"]
    groups = opinion_groups(texts)
    assert sum(g.size for g in groups) == len(texts)
    assert all(g.size >= 2 for g in groups)  # no repost left as an opinion of its own


def test_three_distinct_opinions_over_many_reposts():
    texts = (["夜间施工噪音扰民，影响休息"] * 3 + ["夜间施工噪音扰民，影响休息！"] * 2
             + ["拆迁补偿标准太低，要求重新评估"] * 2 + ["道路积水严重，排水不畅"] * 2
             + ["道路积水严重 排水不畅。"])
    groups = opinion_groups(texts)
    assert sum(g.size for g in groups) == len(texts)
    noise = [g for g in groups if texts[g.representative].startswith("夜间施工")]
    assert len(noise) == 1 and noise[0].size >= 5  # the five reposts stay together
    assert {"噪音", "扰民"} <= set(noise[0].terms)
