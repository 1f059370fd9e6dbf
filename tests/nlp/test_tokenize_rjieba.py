"""rjieba (jieba-rs) cuts exactly as jieba does, with and without the profiles' user words, on real
messages: the shipped data/nlp texts and, when present, the shared citizen messages."""

from __future__ import annotations

import csv
import gzip
import random
from pathlib import Path

import pytest
import rjieba  # noqa: F401  (a declared dependency: a broken install fails here instead of skipping)

from nlp import DATA_DIR, tokenize
from nlp.normalize import clean
from nlp.tokenize import Tokenizer, for_profile

SHARED_MESSAGES = Path(__file__).resolve().parents[3] / "shared" / "data" / "gov_messages" / "messages_unlabeled.csv"


def _real_texts() -> list[str]:
    texts = []
    for name in ("relevance_train.csv.gz", "sentiment_train.csv.gz", "topic_train.csv.gz"):
        with gzip.open(DATA_DIR / name, "rt", encoding="utf-8", newline="") as handle:
            rows = [r.get("text") or r.get("text_seg") or "" for r in csv.DictReader(handle)]
        texts += random.Random(name).sample(rows, 700)
    if SHARED_MESSAGES.is_file():
        with SHARED_MESSAGES.open(encoding="utf-8", newline="") as handle:
            rows = [f"{r['title']}\n{r['text']}" for r in csv.DictReader(handle)]
        texts += random.Random(7).sample(rows, 600)
    return texts


@pytest.fixture(scope="module")
def real_texts():
    texts = _real_texts()
    return texts + [clean(t) for t in texts]


@pytest.mark.slow
@pytest.mark.parametrize("profile_name", [None, "demo", "licheng"])
def test_rjieba_cuts_real_messages_as_jieba_does(profile_name, real_texts, request):
    words = for_profile(request.getfixturevalue(f"{profile_name}_profile")).user_words if profile_name else ()
    slow, fast = Tokenizer(words, engine="jieba"), Tokenizer(words, engine="rjieba")
    texts = list(real_texts)
    if words:
        # every user word inside real text, at a random place, so the user dictionary is exercised
        rnd, ordered = random.Random(3), sorted(words)
        texts += [t[:k] + rnd.choice(ordered) + t[k:] for t in real_texts[:1500] for k in [rnd.randrange(len(t) + 1)]]
    differing = [t for t in texts if slow.lcut(t) != fast.lcut(t)]
    assert not differing, f"{len(differing)} of {len(texts)} texts cut differently, e.g. {differing[0][:80]!r}"


@pytest.mark.parametrize("text", [
    "早餐写着7-9点,电话0731-0000-00000000", "发动机2.0T,面积189.15m2,2017.8.29", "我会C++和AT&T的c#",
    "一起刷刷刷的日子", "我把拖布拖坏了", "价格实惠,赞赞赞赞赞,骑士哥", "A1区人民政府门口,市公安局在管",
])
def test_rjieba_agrees_on_the_known_differences_of_jieba_rs(text, demo_profile):
    words = for_profile(demo_profile).user_words
    assert Tokenizer(words, engine="rjieba").lcut(text) == Tokenizer(words, engine="jieba").lcut(text)


def test_user_word_already_in_the_dictionary_keeps_jiebas_total(licheng_profile):
    # "高山" and "西街" are jieba dictionary words; their old frequency must stay in the total
    words = for_profile(licheng_profile).user_words
    assert {"高山", "西街"} <= words
    text = "高山社区西街路口有人乱停车，占用消防通道"
    assert Tokenizer(words, engine="rjieba").cut(text) == Tokenizer(words, engine="jieba").cut(text)


def test_without_rjieba_the_tokenizer_is_jieba(monkeypatch, licheng_profile):
    monkeypatch.setattr(tokenize, "rjieba", None)
    tokenizer = for_profile(licheng_profile)
    assert tokenizer.engine == "jieba"
    assert "孝感巷" in tokenizer.cut("孝感巷积水，区住建局不管")
    with pytest.raises(ValueError):
        Tokenizer(engine="rjieba")
