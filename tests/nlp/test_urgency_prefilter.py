"""The urgency prefilter skips a pattern when the text lacks every character the pattern needs. It must
never change a result: assess() with and without it gives the same Urgency on real texts of every kind
the analyser sees (long citizen messages, news headlines, Weibo posts, the urgency sets)."""

from __future__ import annotations

import csv
import re
from itertools import islice
from pathlib import Path

import pytest

from nlp import DATA_DIR, urgency
from nlp.normalize import clean

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SETS = ("urgency_eval.csv", "urgency_eval_2.csv", "urgency_eval_3.csv", "urgency_eval_4.csv",
        "urgency_eval_5.csv", "urgency_eval_6.csv")


def _texts(path: Path, limit: int, columns: tuple[str, ...] = ("text",)) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = islice(csv.DictReader(handle), limit)
        return ["\n".join(r.get(c) or "" for c in columns) for r in rows]


@pytest.fixture(scope="module")
def real_texts() -> list[str]:
    texts = [t for name in SETS for t in _texts(DATA_DIR / name, 10_000)]
    if SHARED.is_dir():
        texts += _texts(SHARED / "gov_messages" / "messages_with_replies.csv", 800, ("title", "text"))
        texts += _texts(SHARED / "gov_messages" / "messages_unlabeled.csv", 400, ("title", "text"))
        texts += _texts(SHARED / "news" / "tnews_test.csv", 1500)
        texts += _texts(SHARED / "sentiment" / "weibo_emotion7_train.csv", 1500)
    # the analyser passes the cleaned form; the raw form is what a direct caller passes
    return texts + [clean(t) for t in texts]


def test_assess_is_identical_with_and_without_the_prefilter(real_texts, monkeypatch):
    assert len(real_texts) > 2000
    kwargs = ({}, {"relevant": False, "negative": 0.9}, {"likes": 900, "reposts": 300})
    monkeypatch.setattr(urgency, "PREFILTER", False)
    without = [urgency.assess(t, **kwargs[i % 3]) for i, t in enumerate(real_texts)]
    monkeypatch.setattr(urgency, "PREFILTER", True)
    with_ = [urgency.assess(t, **kwargs[i % 3]) for i, t in enumerate(real_texts)]
    differ = [(t[:60], a, b) for t, a, b in zip(real_texts, without, with_, strict=True) if a != b]
    assert not differ, differ[:5]


def test_the_prefilter_skips_something_on_real_texts(real_texts):
    """Otherwise the identity above would prove nothing."""
    signal_patterns = [pattern for _, pattern, _, _ in urgency.SIGNALS]
    skipped = sum(not any(urgency._may_match(p, frozenset(t)) for p in signal_patterns) for t in real_texts)
    assert skipped > len(real_texts) // 20


@pytest.mark.parametrize(("pattern", "text"), [
    (r"死亡|身亡", "三人身亡"),
    (r"(多名|\d+人)[^，。]{0,4}中毒", "12人食物中毒"),
    (r"[冻热]死(人|我)了", "热死我了"),
    (r"(被|遭)[^，。]{0,4}(捅|砍)(伤|死)", "遭歹徒砍伤"),
    (r"爆炸(?![头性])", "工厂爆炸"),
])
def test_needed_characters_are_in_every_match(pattern, text):
    compiled = re.compile(pattern)
    match = compiled.search(text)
    need = urgency.needed_chars(compiled)
    assert match and need and not need.isdisjoint(match.group(0))
    # without any needed character the pattern cannot match
    assert not compiled.search("".join(c for c in text if c not in need))


def test_patterns_without_a_guarantee_always_run():
    assert urgency.needed_chars(re.compile(r"\d+|确诊")) is None  # one branch needs no given character
    assert urgency.needed_chars(re.compile(r"x", re.IGNORECASE)) is None
    assert urgency.needed_chars(re.compile(r"\d+例")) == frozenset("例")
    assert urgency._may_match(re.compile(r"\d+|确诊"), frozenset("abc"))
