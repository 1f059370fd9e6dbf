"""Property-based tests of every entry point that reads untrusted input: the crawl's parsers,
normalisation, the analysis, routing and profile loading. Each either gives a sane result or a clear
error from the product's vocabulary (BadInput for pages, ConfigError naming the file for config) —
never a traceback of another type. The long fuzz run of the parsers is scripts/fuzz.py."""

from __future__ import annotations

import math
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.scale import fuzz_targets
from tests.scale.strategies import hostile_text, mutated, raw_input
from yuqing.errors import ConfigError

FAST = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ---------------------------------------------------------------- parsers


@pytest.mark.parametrize("target", sorted(fuzz_targets.TARGETS))
def test_parsers_return_or_raise_bad_input(target):
    @FAST
    @given(data=raw_input(fuzz_targets.SEEDS.get(target, [])))
    def check(data: bytes) -> None:
        fuzz_targets.run(target, data)  # BadInput is allowed; anything else fails the test

    check()


# ---------------------------------------------------------------- normalisation


@FAST
@given(text=hostile_text)
def test_normalisation_never_crashes_and_removes_control_characters(text):
    from nlp.normalize import clean, detect_spam, to_simplified

    cleaned = clean(text)
    assert isinstance(cleaned, str)
    assert not any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in cleaned), repr(cleaned)
    assert isinstance(to_simplified(text), str)
    spam, reason = detect_spam(text)
    assert isinstance(spam, bool) and (reason is None or (spam and isinstance(reason, str) and reason))


# ---------------------------------------------------------------- analysis


@pytest.fixture(scope="module")
def analyzer():
    from nlp.analyze import Analyzer
    from yuqing.profile import load_profile

    return Analyzer.load(load_profile("licheng"))


def check_result(result, analyzer) -> None:
    assert 0.0 <= result.topic_prob <= 1.0 and not math.isnan(result.topic_prob)
    assert 0.0 <= result.relevance_score <= 1.0
    assert result.urgency in (1, 2, 3, 4)
    assert math.isfinite(result.urgency_score) and math.isfinite(result.sentiment_score)
    assert result.sentiment in ("positive", "negative", "neutral")
    assert re.fullmatch(r"[0-9a-f]{16}", result.simhash)
    assert result.jurisdiction is None or result.jurisdiction in analyzer.profile.units
    assert isinstance(result.spam, bool) and (result.spam_reason is None or result.spam)


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(posts=st.lists(st.tuples(hostile_text, hostile_text, st.integers(-10**12, 10**12),
                                st.integers(0, 10**9), st.integers(0, 10**9)), min_size=1, max_size=8))
def test_analysis_of_hostile_text_stays_in_range(analyzer, posts):
    for result in analyzer.analyze_many(posts):
        check_result(result, analyzer)


def test_analysis_of_extreme_sizes(analyzer):
    huge = "开元街道中山路积水严重，" * 200_000 + "<script>" * 10_000  # ~2.5 M characters
    cases = [("", ""), (huge, huge), ("\x00" * 1000, "\u202e" * 1000), ("<html>" * 5000, "</div>" * 5000),
             ("🔥" * 3000, "\n" * 3000)]
    for result in analyzer.analyze_many([(t, x, 0, 0, 0) for t, x in cases]):
        check_result(result, analyzer)
    assert analyzer.analyze("", "").topic is None  # nothing to classify is not a guess


# ---------------------------------------------------------------- routing


@pytest.fixture(scope="module")
def licheng_profile():
    from yuqing.profile import load_profile

    return load_profile("licheng")


def facts_strategy(profile):
    from flows.routing import IssueFacts

    codes = sorted(profile.units)
    topics = sorted({t for u in profile.units.values() for t in u.topics}) or ["城乡建设"]
    places = sorted({p.name for p in profile.places})[:200] if hasattr(profile.places, "__iter__") else []
    maybe = lambda values: st.one_of(st.none(), st.sampled_from(values), hostile_text)  # noqa: E731
    return st.builds(
        IssueFacts, title=hostile_text, text=hostile_text, topic=maybe(topics), topic_level2=maybe(topics),
        topic_prob=st.floats(0.0, 1.0), urgency=st.integers(1, 4), jurisdiction=maybe(codes),
        places=st.lists(st.one_of(st.sampled_from(places or ["开元街道"]), hostile_text), max_size=4).map(tuple),
    ), st.frozensets(st.sampled_from(codes), max_size=5)


def test_routing_any_facts_gives_a_valid_decision(licheng_profile):
    from flows.routing import route

    facts, excluded = facts_strategy(licheng_profile)

    @FAST
    @given(facts=facts, exclude=excluded)
    def check(facts, exclude):
        decision = route(facts, licheng_profile, exclude=exclude)
        if decision.triage:
            assert decision.lead is None and decision.triage_reason
            return
        assert decision.lead is not None and decision.lead.unit_code in licheng_profile.units
        chosen = [decision.lead.unit_code, *(c.unit_code for c in decision.co)]
        assert len(chosen) == len(set(chosen)), chosen
        assert all(code in licheng_profile.units for code in chosen)
        assert not set(chosen) & exclude, (chosen, exclude)
        assert decision.rule_id and decision.reason

    check()


# ---------------------------------------------------------------- profile loading

PROFILE_FILES = ("profile.yaml", "units.yaml", "routing.yaml", "places.csv")


def test_mutated_profiles_load_or_name_the_broken_file():
    from yuqing.profile import load_profile
    from yuqing.settings import get_settings

    source = get_settings().config_dir / "profiles" / "licheng"
    originals = {name: (source / name).read_bytes() for name in PROFILE_FILES}

    @settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def check(data):
        name = data.draw(st.sampled_from(PROFILE_FILES))
        broken = data.draw(mutated([originals[name]]))
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / "profiles" / "licheng"
            shutil.copytree(source, target)
            (target / name).write_bytes(broken)
            try:
                load_profile("licheng", config_dir=Path(folder))
            except ConfigError as exc:
                assert name in str(exc) or "profile" in str(exc), f"{name}: {exc}"

    check()
