"""Urgency levels 1–4 (DESIGN.md §6) from text signals, sentiment and reach, calibrated to the national
scale of emergencies. Every level comes with the signals that fired, each quoting the words of the text
that fired it ("伤亡: 3人死亡", "规模·死亡: 3人死亡"), so nobody has to trust a number.

Level 1 特别重大/重大: a current emergency with evidence of that scale — deaths (≥ 3) or many hurt, a mass
incident, critical infrastructure, a spreading hazard, a strong earthquake, or an emergency spreading
fast online. Level 2 较大: a real current incident (a death, an attack, a fire, an accident, a disaster, an
outbreak, a missing person), or harm to vital interests with strong negative feeling or growing reach.
Level 3 一般: other government matters. Level 4 关注: not a government matter and no emergency signal.

What separates a report from a loose use of the same words is handled once, for every kind of event
(nlp/urgency_vocab.py): clauses that report no event are removed before matching (无人员伤亡, 自杀率,
若…将死亡上亿, 火灾隐患, 因病去世), and after matching the frames of the whole text set signals aside —
fiction, history, the past (早年, 多年前, 遗留问题), memorials, a match report, the legal aftermath of a
crime (抓获, 判处), a nuisance complaint (扰民). A set-aside signal is still shown, under its frame's name
(往事, 赛事, 司法, 扰民), and counts for nothing. An emergency signal overrides the relevance model:
"某化工厂发生爆炸，3人死亡" is a matter for the government even when it reads like a news headline
(`Urgency.emergency`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.urgency_gate import Alternatives, Clauses, Gate, needed_chars
from nlp.urgency_vocab import (
    _FICTION,
    _NAMED_PLACE,
    _NOT_AN_EVENT,
    ALL,
    CASUALTIES,
    DISASTER,
    DISASTERS,
    FRAMES,
    MANY,
    MASS,
    PERSON_HARM,
    PERSONS,
    SCALE,
    SIGNALS,
    STILL,
)

__all__ = ["DISASTER", "NEGATIVE_STRONG", "SIGNALS", "Urgency", "assess"]
NEGATIVE_STRONG = 0.8
VIRAL_REACH = 10000
# PREFILTER = False runs the patterns as written, one whole regex at a time: the reference the fast path
# (nlp/urgency_gate.py) is tested against (tests/nlp/test_urgency_prefilter.py, test_urgency_fast.py)
PREFILTER = True

_NEEDED = {pattern: needed_chars(pattern) for pattern in (*_NOT_AN_EVENT, *(s[1] for s in SIGNALS))}


def _may_match(pattern: re.Pattern, present: frozenset[str] | None) -> bool:
    need = _NEEDED.get(pattern)
    return present is None or need is None or not need.isdisjoint(present)


_FAST_STRIPS = tuple(Clauses.of(p) or Alternatives(p) for p in _NOT_AN_EVENT)
_FAST_SIGNALS = tuple(Alternatives(pattern) for _, pattern, _, _ in SIGNALS)
_FAST_NAMED_PLACE = Alternatives(_NAMED_PLACE)
_FAST_FRAMES = tuple(Alternatives(pattern) for _, pattern, _ in FRAMES)
_FAST_SCALE = tuple(Alternatives(pattern) for _, pattern, _ in SCALE)
_gate = Gate((*_FAST_STRIPS, *_FAST_SIGNALS, _FAST_NAMED_PLACE, *_FAST_FRAMES, *_FAST_SCALE))


@dataclass(frozen=True)
class Urgency:
    level: int
    score: float
    signals: tuple[str, ...]
    emergency: bool  # an emergency event fired: the text is a government matter whatever relevance says


def _strip_non_events(text: str) -> str:
    for pattern in _NOT_AN_EVENT:
        text = pattern.sub("", text)
    return text


def _matches(text: str) -> tuple[str, list[tuple[int, re.Match]]]:
    """The stripped text and, for each signal that matches it, (index in SIGNALS, match)."""
    if not PREFILTER:
        text = _strip_non_events(text)
        return text, [(i, m) for i, (_, pattern, _, _) in enumerate(SIGNALS) if (m := pattern.search(text))]
    gate = _gate(text)
    for strip in _FAST_STRIPS:
        if gate & strip.bits:
            text = strip.sub(text, gate)
    return text, [(i, m) for i, fast in enumerate(_FAST_SIGNALS)
                  if gate & fast.bits and (m := fast.search(text, gate))]


def _frames(text: str) -> tuple[bool, ...]:
    """For each of FRAMES, whether the stripped text is in it (fiction read without proper names:
    美丽传说温泉度假酒店 is a hotel)."""
    if not PREFILTER:
        return tuple(bool(pattern.search(_NAMED_PLACE.sub("", text) if pattern is _FICTION else text))
                     for _, pattern, _ in FRAMES)
    gate = _gate(text)
    return tuple(bool(gate & fast.bits) and fast.found(_FAST_NAMED_PLACE.sub(text, gate) if pattern is _FICTION else text, gate)
                 for fast, (_, pattern, _) in zip(_FAST_FRAMES, FRAMES, strict=True))


def _count(value: str | None) -> float:
    """A count written in digits or Chinese numerals (3, 三, 十二, 两百, 数十); 多/数/几 alone are many."""
    if value is None:
        return 0.0
    if value[0].isdigit():
        return float(value)
    if value in ("多", "数", "几"):
        return MANY
    if value in ("数十", "几十"):
        return 30
    if value in ("数百", "上百", "近百"):
        return 100
    if value == "上千":
        return 1000
    digits = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
    units = {"十": 10, "百": 100, "千": 1000, "万": 10000}
    total = section = number = 0
    for char in value:
        if char in digits:
            number = digits[char]
        elif char == "万":
            total += (section + number) * 10000
            section = number = 0
        else:
            section += (number or 1) * units[char]
            number = 0
    return float(total + section + number)


def _scale(text: str) -> list[str]:
    """The evidence of national scale in the stripped text, each quoting its words (read only when an
    event fired, so the whole patterns run, behind the exact gate)."""
    gate = _gate(text) if PREFILTER else -1
    found = []
    for fast, (label, pattern, least) in zip(_FAST_SCALE, SCALE, strict=True):
        if gate & fast.bits:
            match = next((m for m in pattern.finditer(text) if least is None or _count(m.group("n")) >= least), None)
            if match is not None:
                found.append(f"{label}: {match.group(0)}")
    return found


def _set_aside(category: str, frames: tuple[bool, ...]) -> str | None:
    """The label of the first frame that holds and sets this kind of signal aside, if any."""
    for (label, _, scope), holds in zip(FRAMES, frames, strict=True):
        if holds and (scope == ALL or (scope == STILL and category != "失踪") or (scope == DISASTERS and category.startswith(DISASTER))
                      or (scope == CASUALTIES and category == "伤亡") or (scope == PERSONS and category in PERSON_HARM)):
            return label
    return None


def assess(text: str, *, relevant: bool = True, negative: float = 0.0, likes: int = 0, reposts: int = 0,
           comments: int = 0, model_alarm: float | None = None) -> Urgency:
    """Level 1 特别重大/重大, 2 较大, 3 一般, 4 关注, with the signals that fired.

    `model_alarm`: P(emergency) of the supervised model (nlp.urgency_model) when it is at or above its
    threshold. It raises the level to 2 at most and makes no emergency (data/nlp/README.md says why)."""
    text, matches = _matches(text or "")
    fired: list[str] = []
    score = 0.0
    mass = emergency = False
    scale: list[str] = []
    frames: tuple[bool, ...] = ()
    if any(SIGNALS[index][3] for index, _ in matches):
        scale = _scale(text)
        # harm of national scale is no mere court or nuisance story (a shooting that killed 18, one arrested)
        frames = tuple(holds and not (scale and scope == PERSONS) for holds, (_, _, scope) in zip(_frames(text), FRAMES, strict=True))
    for index, match in matches:
        category, _, weight, is_event = SIGNALS[index]
        aside = _set_aside(category, frames) if is_event else None
        if aside is not None:
            fired.append(f"{aside}: {match.group(0)}")
            continue
        fired.append(f"{category}: {match.group(0)}")
        score += weight
        mass = mass or category in MASS
        emergency = emergency or is_event
    scale = scale if emergency else []
    fired += scale
    reach = max(likes, 0) + 2 * max(reposts, 0) + max(comments, 0)
    viral = reach >= VIRAL_REACH
    if reach >= 1000:
        fired.append(f"传播: 互动 {reach}")
        score += 2 if viral else 1
    if negative >= NEGATIVE_STRONG:
        fired.append(f"负面情绪: {negative:.2f}")
        score += 1
    if emergency and (scale or mass or viral):
        level = 1
    elif emergency or score >= 3 or (relevant and score >= 2) or model_alarm is not None:
        level = 2
    elif relevant:
        level = 3
    else:
        fired.append("非政务相关")
        level = 4
    if model_alarm is not None:
        fired.append(f"模型: 疑似突发 {model_alarm:.2f}")
    return Urgency(level=level, score=score, signals=tuple(fired), emergency=emergency)
