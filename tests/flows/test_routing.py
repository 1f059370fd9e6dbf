"""Routing (DESIGN.md §5) checked against the district-readable table routing_cases.yaml."""

from pathlib import Path

import pytest
import yaml

from flows.routing import IssueFacts, route
from yuqing.profile import load_profile

HERE = Path(__file__).parent
CASES = [("licheng", case) for case in yaml.safe_load((HERE / "routing_cases.yaml").read_text(encoding="utf-8"))]
CASES += [("demo", case) for case in yaml.safe_load((HERE / "routing_cases_demo.yaml").read_text(encoding="utf-8"))]
KNOWN_FIELDS = {"name", "facts", "lead", "co", "rule", "triage", "exclude", "reason_contains"}


@pytest.mark.parametrize(("profile_name", "case"), CASES, ids=[f"{p}: {c['name']}" for p, c in CASES])
def test_routing_table(profile_name, case):
    assert set(case) <= KNOWN_FIELDS, f"unknown field(s) {set(case) - KNOWN_FIELDS} in case {case['name']!r}"
    profile = load_profile(profile_name)
    facts = dict(case["facts"])
    facts["places"] = tuple(facts.get("places", ()))
    decision = route(IssueFacts(**facts), profile, exclude=frozenset(case.get("exclude", ())))
    if case.get("reason_contains"):
        assert case["reason_contains"] in decision.reason, decision.reason
    if case.get("triage"):
        assert decision.triage and decision.lead is None and decision.triage_reason
        return
    assert not decision.triage
    assert decision.lead.unit_code == case["lead"], decision.reason
    assert decision.lead.rule_id == case["rule"]
    co_units = {choice.unit_code for choice in decision.co}
    assert set(case.get("co", ())) <= co_units, co_units
    assert all(code in profile.units for code in co_units | {decision.lead.unit_code})
    assert decision.lead.unit_code not in co_units
    assert all(choice.reason for choice in decision.units())
    assert not set(case.get("exclude", ())) & {c.unit_code for c in decision.units()}


def test_every_unit_returned_leads_to_triage(licheng):
    everyone = frozenset(licheng.units)
    decision = route(IssueFacts(title="x", topic="民政", topic_prob=0.9), licheng, exclude=everyone)
    assert decision.triage and "退回" in decision.triage_reason


def test_every_topic_of_the_taxonomy_has_an_owner(licheng):
    """A confident topic never falls through to 兜底 silently: each first-level class has a department."""
    taxonomy = {"城乡建设", "劳动和社会保障", "教育文体", "商贸旅游", "环境保护", "卫生计生", "交通运输", "党务政务",
                "农村农业", "国土资源", "政法", "民政", "科技与信息产业", "纪检监察", "经济管理"}
    for topic in sorted(taxonomy):
        decision = route(IssueFacts(title="t", topic=topic, topic_prob=0.95), licheng)
        assert decision.lead.rule_id.startswith("owner:"), topic
