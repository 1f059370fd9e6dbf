"""The urgency evaluation sets 4–8 (data/nlp/urgency_eval_N.csv): real texts found by plain reading,
each before the round of rules it measured. The files must stay honest: verbatim from their source,
known labels, no text twice, nothing from an earlier set. No test here looks at what the rules do on
a set: that figure is measured by `yuqing eval`, not asserted."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import pytest

from nlp import DATA_DIR

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SETS = ["urgency_eval.csv", "urgency_eval_2.csv", "urgency_eval_3.csv", "urgency_eval_4.csv", "urgency_eval_5.csv",
        "urgency_eval_6.csv", "urgency_eval_7.csv", "urgency_eval_8.csv"]
READ = SETS[3:]  # the sets found by plain reading


@cache
def rows(name: str) -> tuple[dict, ...]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


@cache
def source_texts(source: str) -> frozenset[str]:
    # message files hold a short title and the body; Weibo and TNEWS only `text`
    with (SHARED / source).open(encoding="utf-8", newline="") as handle:
        return frozenset(value for r in csv.DictReader(handle) for key, value in r.items() if key in ("text", "title"))


@pytest.mark.parametrize("name", READ)
def test_columns_labels_and_no_duplicates(name):
    found = rows(name)
    assert list(found[0])[:3] == ["text", "label", "source"]
    assert {r["label"] for r in found} == {"emergency", "not_emergency"}
    texts = [r["text"] for r in found]
    assert len(texts) == len(set(texts)), "a text is in the set twice"


@pytest.mark.parametrize("name", READ)
def test_nothing_from_an_earlier_set(name):
    earlier = {r["text"].strip() for other in SETS[:SETS.index(name)] for r in rows(other)}
    assert not earlier & {r["text"].strip() for r in rows(name)}


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared data folder is not next to this checkout")
@pytest.mark.parametrize("name", READ)
def test_every_text_is_verbatim_in_its_source(name):
    for row in rows(name):
        assert row["text"] in source_texts(row["source"]), (row["source"], row["text"])
