"""Routing of DESIGN.md §5 as one pure function over a region profile's rules.

Order: explicit rules (a named site/institution) → topic owner (谁主管谁负责, level 2 first) →
place (属地管理: the street leads place-bound topics, otherwise joins as co-unit) → critical
urgency adds the propaganda and duty-office units → not confident goes to the analysts' triage
queue (never a silent guess) → nothing matching goes to the fallback unit (兜底).
Units a previous assignment returned (退回) are excluded and the next candidate is taken.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from yuqing.profile import Profile


@dataclass(frozen=True)
class IssueFacts:
    """What routing may look at; built from an Issue and its analyses."""

    title: str
    text: str = ""
    topic: str | None = None
    topic_level2: str | None = None
    topic_prob: float = 0.0
    urgency: int = 3
    jurisdiction: str | None = None  # territorial unit code from the place matcher
    places: tuple[str, ...] = ()
    site_owner: str | None = None  # owner unit of the district website a site watch found this on


@dataclass(frozen=True)
class UnitChoice:
    unit_code: str
    role: str  # lead | co
    rule_id: str
    reason: str


@dataclass(frozen=True)
class RoutingDecision:
    lead: UnitChoice | None
    co: tuple[UnitChoice, ...] = ()
    triage: bool = False
    triage_reason: str | None = None
    excluded: tuple[str, ...] = field(default=())

    @property
    def rule_id(self) -> str:
        return self.lead.rule_id if self.lead else "triage"

    @property
    def reason(self) -> str:
        return self.lead.reason if self.lead else (self.triage_reason or "")

    def units(self) -> list[UnitChoice]:
        return ([self.lead] if self.lead else []) + list(self.co)


def _owner(profile: Profile, topic: str | None, level2: str | None) -> tuple[str, str] | None:
    """(unit code, rule id) of the department in charge; a level-2 rule beats a level-1 rule."""
    if not topic:
        return None
    fallback = None
    for owner in profile.rules.owners:
        if owner.topic != topic:
            continue
        if owner.level2 and owner.level2 == level2:
            return owner.unit, f"owner:{topic}>{level2}"
        if owner.level2 is None and fallback is None:
            fallback = (owner.unit, f"owner:{topic}")
    return fallback


def _place_bound_rule(profile: Profile, facts: IssueFacts, text: str):
    for rule in profile.rules.place_bound:
        if facts.topic not in rule.topics:
            continue
        if rule.level2 and rule.level2 == facts.topic_level2:
            return rule
        if rule.keywords and any(keyword in text for keyword in rule.keywords):
            return rule
    return None


def route(facts: IssueFacts, profile: Profile, *, exclude: frozenset[str] | set[str] = frozenset()) -> RoutingDecision:
    exclude = frozenset(exclude)
    text = f"{facts.title}\n{facts.text}"
    threshold = profile.meta.triage.min_topic_prob
    units = profile.units
    name = lambda code: units[code].name if code in units else code  # noqa: E731
    lead: UnitChoice | None = None
    co: list[UnitChoice] = []

    def add_co(code: str, rule_id: str, reason: str) -> None:
        if code in exclude or (lead and lead.unit_code == code) or any(c.unit_code == code for c in co):
            return
        co.append(UnitChoice(code, "co", rule_id, reason))

    # 1. explicit rules: a named institution, road or site decides
    for rule in profile.rules.explicit:
        hit = next((keyword for keyword in rule.keywords if keyword in text), None)
        if hit and rule.unit not in exclude:
            lead = UnitChoice(rule.unit, "lead", f"explicit:{rule.id}", f"文中提到“{hit}”，由{name(rule.unit)}负责（明确规则 {rule.id}）")
            for code in rule.co:
                add_co(code, f"explicit:{rule.id}", f"明确规则 {rule.id} 指定协办")
            break

    # 1b. a problem on a unit's own website (spam injection, defacement, dead page) is that unit's
    if lead is None and facts.site_owner in units and facts.site_owner not in exclude:
        lead = UnitChoice(facts.site_owner, "lead", "explicit:site-owner",
                          f"网站巡查发现的问题，由网站主办单位{name(facts.site_owner)}负责（明确规则 site-owner）")

    confident = facts.topic is not None and facts.topic_prob >= threshold
    territorial = facts.jurisdiction if facts.jurisdiction in units and facts.jurisdiction not in exclude else None
    owner = _owner(profile, facts.topic, facts.topic_level2) if confident else None
    if owner and owner[0] in exclude:
        owner = None

    if lead is None and not confident and facts.urgency > 1:
        # 5. not confident: the analysts decide; a critical issue is never held back (rule 4 below)
        prob = f"{facts.topic_prob:.2f}"
        reason = (f"主题置信度 {prob} 低于 {threshold:.2f}" if facts.topic else "未能判断主题") + "，转分析员研判"
        return RoutingDecision(lead=None, triage=True, triage_reason=reason, excluded=tuple(sorted(exclude)))

    topic_label = f"{facts.topic}>{facts.topic_level2}" if facts.topic_level2 else (facts.topic or "")
    if lead is None:
        bound = _place_bound_rule(profile, facts, text) if confident else None
        if bound and territorial:
            # 3. 属地管理: place-bound topics are led by the street office of the place
            lead = UnitChoice(territorial, "lead", f"place:{bound.id}",
                              f"属地管理：{topic_label}（{bound.id}）由{name(territorial)}牵头")
            if owner:
                add_co(owner[0], owner[1], f"谁主管谁负责：{topic_label}由{name(owner[0])}协办")
        elif owner:
            # 2. 谁主管谁负责
            lead = UnitChoice(owner[0], "lead", owner[1],
                              f"谁主管谁负责：主题 {topic_label}（置信度 {facts.topic_prob:.2f}）由{name(owner[0])}负责")

    if lead is None and territorial and confident:
        # 属地管理 as the next candidate when no department owns it (or the owner returned it)
        lead = UnitChoice(territorial, "lead", "place:lead",
                          f"属地管理：无主管部门可定{'（已退回：' + '、'.join(name(c) for c in sorted(exclude)) + '）' if exclude else ''}，由{name(territorial)}牵头")
    if territorial:
        add_co(territorial, "place:co", f"属地管理：涉及{'、'.join(facts.places) or name(territorial)}，由{name(territorial)}协办")

    # 4. critical: release through the propaganda department, 值班室备案 and coordination
    if facts.urgency == 1:
        for code, why in ((profile.meta.propaganda_unit, "发布权威信息"), (profile.meta.duty_office_unit, "值班室备案、统筹协调")):
            if lead is None and code not in exclude:
                lead = UnitChoice(code, "lead", "critical:lead", f"特别重大/重大舆情，无主管单位可定，由{name(code)}牵头{why}")
            else:
                add_co(code, "critical", f"特别重大/重大舆情：{name(code)}{why}")

    if lead is None:
        fallback = profile.meta.fallback_unit
        if fallback in exclude:
            return RoutingDecision(lead=None, triage=True, excluded=tuple(sorted(exclude)),
                                   triage_reason="所有候选单位均已退回，转分析员研判")
        # 6. 兜底
        lead = UnitChoice(fallback, "lead", "fallback", f"无规则匹配，由兜底单位{name(fallback)}负责并转办")
    co = [c for c in co if c.unit_code != lead.unit_code]
    return RoutingDecision(lead=lead, co=tuple(co), excluded=tuple(sorted(exclude)))
