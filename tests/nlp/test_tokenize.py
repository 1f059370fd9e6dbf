from __future__ import annotations

import pickle

from nlp.tokenize import Tokenizer, analyzer_tokens, for_profile, rejoin, stop_words


def test_profile_words_stay_one_token(licheng_profile):
    tokenizer = for_profile(licheng_profile)
    tokens = tokenizer.cut("开元街道孝感巷路灯坏了")
    assert "开元街道" in tokens and "孝感巷" in tokens


def test_user_words_do_not_leak_between_profiles(licheng_profile, demo_profile):
    licheng = for_profile(licheng_profile)
    plain = Tokenizer()
    assert "孝感巷" in licheng.cut("孝感巷积水，区住建局不管")
    assert "区住建局" in licheng.cut("孝感巷积水，区住建局不管")
    assert "孝感巷" not in plain.cut("孝感巷积水")
    assert for_profile(demo_profile).cut("孝感巷积水") == plain.cut("孝感巷积水")


def test_stop_words_and_punctuation_are_dropped():
    tokens = analyzer_tokens("我们的小区，物业乱收费！！")
    assert "，" not in tokens and "！" not in tokens
    assert not set(tokens) & stop_words()
    assert "物业" in tokens


def test_tokenizer_pickles_with_its_words(licheng_profile):
    tokenizer = for_profile(licheng_profile)
    copy = pickle.loads(pickle.dumps(tokenizer))
    assert copy.user_words == tokenizer.user_words
    text = "常泰街道华星社区门口西街堵车"
    assert copy.cut(text) == tokenizer.cut(text)


def test_rejoin_undoes_published_segmentation():
    assert rejoin("A1 区 蔡锷 南路 水箱 长年 不洗") == "A1区蔡锷南路水箱长年不洗"
    assert rejoin("iPhone X 屏幕") == "iPhone X屏幕"
