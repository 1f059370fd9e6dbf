"""Urgency levels 1–4 (DESIGN.md §6) from text signals, sentiment and reach. Every level comes with
the signals that fired, in words an analyst reads ("伤亡: 3人死亡"), so nobody has to trust a number.

Level 1 特别重大/重大: deaths or injuries, poisoning, mass incidents, school/child safety, threats to
life, or a disaster/accident that spreads fast. Level 2 较大: a disaster or accident, an epidemic, or
harm to vital interests with strong negative feeling or growing reach. Level 3 一般: other
government matters. Level 4 关注: not a government matter and no emergency signal.

An emergency signal overrides the relevance model: "某化工厂发生爆炸，3人死亡" is a matter for the
government even when it reads like a news headline (`Urgency.emergency`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# "无人员伤亡" and the like report the absence of casualties; they are removed before matching
_NEGATED = re.compile(r"(无|没有|未造成|未有|暂无|并无|未发现)(人员)?(伤亡|死亡|受伤|人受伤|人伤亡)")
_NUMBER = r"(\d+|[一二两三四五六七八九十百千数多几若干])"

_PERSON = r"(人|名|位|男子|女子|男方|女方|老人|孩子|儿童|婴儿|宝宝|学生|工人|村民|司机|乘客|行人|游客|居民|患者|医生|护士|民警|消防员)"
_N = r"(\d+|[一二两三四五六七八九十百千数多几若干近逾超约])"

# (category, pattern, weight, is an emergency event); weight ≥ 3 alone makes level 1. The lexicon follows
# the categories of DESIGN.md §6; figurative uses (爆炸头, 大火了, 爆发期) are kept out on purpose.
SIGNALS: tuple[tuple[str, re.Pattern, int, bool], ...] = (
    ("伤亡", re.compile(_N + r"\s*(名|人|位|个|具)?[^，。；！？,;!?]{0,8}(死亡|身亡|遇难|丧生|罹难|受伤|伤亡|失联|失踪|重伤|不治)"
                      r"|(致|造成|导致)[^，。；！？]{0,6}(死亡|身亡|遇难|伤亡|受伤)|(伤亡|死伤)(惨重|近|约|超|逾|达)?\d*|身亡|遇难|丧生|罹难|"
                      r"丧命|殒命|遇害|烧死|撞死|淹死|砸死|压死|炸死|溺亡|坠亡|重伤|遗体|尸体|抢救无效|" + _PERSON +
                      r"[^，。；！？]{0,4}(死亡|去世|离世|身亡)|(\d+|[一二两三四五六七八九十]+)死(\d+|[一二两三四五六七八九十多数]+)伤"), 3, True),
    ("中毒", re.compile(r"(食物|集体|群体|一氧化碳|煤气|农药)中毒|中毒事件|中毒(送医|住院|入院|身亡|死亡)|投毒|"
                      r"(多名|多人|\d+名|\d+人)[^，。]{0,10}(中毒|腹泻|呕吐)|毒气泄漏|毒剂|大肠杆菌|沙门氏菌"), 3, True),
    ("群体性事件", re.compile(r"群体性事件|(村民|群众|业主|工人|职工|家属|市民|民众|人群|上百人|数十人|几十人|多人)[^。，！？]{0,6}(堵路|堵门|围堵|拉横幅|静坐)|集体上访|聚集上访|打砸|聚众闹事|械斗|冲突升级|暴力冲突|骚乱|群殴"), 3, True),
    ("学校与儿童安全", re.compile(r"(学生|儿童|幼儿|小孩|孩子|校园|学校|幼儿园|小学生|中学生)[^。！？]{0,12}"
                             r"(受伤|失踪|猥亵|性侵|欺凌|霸凌|虐待|坠楼|走失|被打|殴打|安全事故|溺水|中毒)"), 3, True),
    ("暴力与生命威胁", re.compile(r"跳楼|自杀|自焚|轻生|报复社会|持刀|砍人|砍伤|刺伤|捅伤|行凶|伤医|杀人|凶杀|命案|绑架|劫持|劫持人质|扣押人质|人质事件|"
                            r"枪击|枪案|遇袭|袭击事件|恐怖袭击|纵火|爆炸物|要出人命|死亡威胁"), 3, True),
    ("灾害事故", re.compile(r"火灾|起火|着火|失火|火情|浓烟|爆炸(?![头性了])|燃爆(?!搭档)|爆燃|闪爆|坍塌|倒塌|塌方|垮塌|塌陷|地陷|"
                        r"泥石流|山体滑坡|洪水|洪灾|山洪|内涝|被淹|淹没|决堤|决口|溃坝|暴雨|暴雪(预警|袭击|来袭|成灾|天气)|雪灾|沙尘暴|尘暴|冰雹|龙卷风|"
                        r"台风|寒潮|旱灾|地震|余震|海啸|溺水|车祸|交通事故|撞车事故|相撞|追尾|侧翻|(车辆|客车|货车|大巴|汽车|校车)翻车|翻车事故|"
                        r"撞人|撞伤|被碾压|碾压致|坠机(?!了)|坠毁|"
                        r"击落|失事|脱轨|沉船|搁浅|遇险|被困|坠落|高空坠物|触电(身亡|死亡|事故)|踩踏|泄漏|危化品|火山喷发|"
                        r"(熊熊|一场|场|冲天)大火|大火(已|被|烧|蔓延|扑灭|吞噬)"), 2, True),
    # an outbreak, not every mention of an epidemic ("希望疫情早日结束" is no emergency)
    ("疫情", re.compile(r"(新增|累计|确诊)[^，。！？]{0,8}\d+\s*例|\d+\s*例[^，。！？]{0,6}(病例|确诊|感染|死亡)|疑似病例|"
                      r"疫情(暴发|爆发|蔓延|扩散|反弹)|(暴发|爆发)[^，。！？]{0,4}(疫情|传染病)|聚集性(疫情|感染)|传染病(暴发|疫情)|"
                      r"埃博拉|霍乱|鼠疫|禽流感疫情|非洲猪瘟|狂犬病(发作|死亡)|"
                      r"(婴儿|儿童|孩子|宝宝|患者|医生|护士|学生|工人|村民|居民)[^，。！？]{0,4}(确诊|感染)"), 2, True),
    ("民生急难", re.compile(r"停水|停电|断水|断电|燃气泄漏|拖欠工资|欠薪|讨薪|无家可归|安全隐患|危房|消防通道"), 1, False),
    ("扩散", re.compile(r"转发|扩散|热搜|曝光|媒体|记者|网传|刷屏"), 1, False),
)
# remembering a past disaster (地震十周年, 纪念) is not an emergency now
_COMMEMORATION = re.compile(r"周年|纪念|回顾|缅怀|祭奠|回忆|当年|那年|\d{4}年\d{1,2}月\d{1,2}日那天")
NEGATIVE_STRONG = 0.8


@dataclass(frozen=True)
class Urgency:
    level: int
    score: float
    signals: tuple[str, ...]
    emergency: bool  # an emergency event fired: the text is a government matter whatever relevance says


def assess(text: str, *, relevant: bool = True, negative: float = 0.0, likes: int = 0, reposts: int = 0,
           comments: int = 0) -> Urgency:
    """Level 1 特别重大/重大, 2 较大, 3 一般, 4 关注, with the signals that fired."""
    text = _NEGATED.sub("", text or "")
    fired: list[str] = []
    score = 0.0
    critical = emergency = False
    looking_back = bool(_COMMEMORATION.search(text))
    for category, pattern, weight, is_event in SIGNALS:
        match = pattern.search(text)
        if match and looking_back and category == "灾害事故":
            fired.append(f"往事: {match.group(0)}")
            continue
        if match:
            fired.append(f"{category}: {match.group(0)}")
            score += weight
            critical = critical or weight >= 3
            emergency = emergency or is_event
    reach = max(likes, 0) + 2 * max(reposts, 0) + max(comments, 0)
    viral = reach >= 10000
    if reach >= 1000:
        fired.append(f"传播: 互动 {reach}")
        score += 2 if viral else 1
    if negative >= NEGATIVE_STRONG:
        fired.append(f"负面情绪: {negative:.2f}")
        score += 1
    if critical or (emergency and viral):
        level = 1
    elif emergency or score >= 3 or (relevant and score >= 2):
        level = 2
    elif relevant:
        level = 3
    else:
        fired.append("非政务相关")
        level = 4
    return Urgency(level=level, score=score, signals=tuple(fired), emergency=emergency)
