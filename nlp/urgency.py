"""Urgency levels 1–4 (DESIGN.md §6) from text signals, sentiment and reach. Every level comes with
the signals that fired, in words an analyst reads ("伤亡: 死亡"), so nobody has to trust a number."""

from __future__ import annotations

import re
from dataclasses import dataclass

# (category, pattern, weight); weight ≥ 3 alone makes an issue critical (level 1)
SIGNALS: tuple[tuple[str, re.Pattern, int], ...] = (
    ("伤亡", re.compile(r"死亡|身亡|遇难|丧生|罹难|死伤|伤亡|致死|多人受伤|重伤|遗体|尸体|不治"), 3),
    ("灾害事故", re.compile(r"火灾|起火|着火|失火|大火|爆炸|坍塌|倒塌|塌方|垮塌|泥石流|山体滑坡|洪水|洪灾|内涝|地震|台风|溺水|车祸|交通事故|相撞|侧翻|泄漏|危化品"), 2),
    ("中毒", re.compile(r"中毒|食物中毒|毒气"), 3),
    ("疫情", re.compile(r"疫情|传染病|感染病例|确诊病例|新冠|禽流感|霍乱|鼠疫|聚集性(疫情|感染)|暴发"), 2),
    ("群体性事件", re.compile(r"群体性|围堵|堵路|堵门|拉横幅|集体上访|静坐|罢工|打砸|冲突|聚众"), 3),
    ("学校与儿童安全", re.compile(r"(学生|儿童|幼儿|小孩|孩子|校园|学校)[^。！？]{0,12}(受伤|失踪|猥亵|欺凌|霸凌|虐待|坠楼|走失|被打|安全事故)"), 3),
    ("生命威胁", re.compile(r"跳楼|自杀|自焚|轻生|报复社会|持刀|砍人|绑架|要出人命"), 3),
    ("民生急难", re.compile(r"停水|停电|断水|断电|燃气|拖欠工资|欠薪|讨薪|无家可归|被困"), 1),
    ("扩散", re.compile(r"转发|扩散|热搜|曝光|媒体|记者"), 1),
)
NEGATIVE_STRONG = 0.8


@dataclass(frozen=True)
class Urgency:
    level: int
    score: float
    signals: tuple[str, ...]


def assess(text: str, *, relevant: bool = True, negative: float = 0.0, likes: int = 0, reposts: int = 0,
           comments: int = 0) -> Urgency:
    """Level 1 特别重大/重大, 2 较大, 3 一般, 4 关注."""
    fired: list[str] = []
    score = 0.0
    critical = False
    for category, pattern, weight in SIGNALS:
        match = pattern.search(text or "")
        if match:
            fired.append(f"{category}: {match.group(0)}")
            score += weight
            critical = critical or weight >= 3
    reach = likes + 2 * reposts + comments
    if reach >= 1000:
        fired.append(f"传播: 互动 {reach}")
        score += 2 if reach >= 10000 else 1
    if negative >= NEGATIVE_STRONG:
        fired.append(f"负面情绪: {negative:.2f}")
        score += 1
    if not relevant:
        return Urgency(level=4, score=score, signals=tuple(fired + ["非政务相关"]))
    if critical:
        level = 1
    elif score >= 2:
        level = 2
    else:
        level = 3
    return Urgency(level=level, score=score, signals=tuple(fired))
