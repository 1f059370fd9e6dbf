"""The fast path of nlp.urgency (each top-level alternative gated and searched on its own, clause strips
found from their trigger) must give exactly what the rules give run as written (PREFILTER = False): the
same stripped text, the same signal matches (span and matched string), the same frames, the same Urgency.
Compared on real texts of every shipped set and on edge cases written to break the equivalence."""

from __future__ import annotations

import csv
import gzip
import random
import re

import pytest

from nlp import DATA_DIR, urgency, urgency_vocab
from nlp.normalize import clean
from nlp.urgency_gate import Alternatives, Clauses, top_level_alternatives

# how many texts of each shipped file (None: all); the rules as written are slow on long texts, which
# bounds the large sets here (the analysis-sized ones are compared in full)
PER_FILE = {"relevance_train.csv.gz": 6000, "sentiment_train.csv.gz": None, "topic_train.csv.gz": 120}
KWARGS = ({}, {"relevant": False, "negative": 0.9}, {"likes": 900, "reposts": 300}, {"model_alarm": 0.7})


def _read(name: str, limit: int | None) -> list[str]:
    path = DATA_DIR / name
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle) if row.get("text")]
    if limit is not None and len(texts) > limit:
        texts = random.Random(name).sample(texts, limit)
    return texts


@pytest.fixture(scope="module")
def real_texts() -> list[str]:
    names = sorted(p.name for p in DATA_DIR.glob("*.csv")) + sorted(p.name for p in DATA_DIR.glob("*.csv.gz"))
    texts: list[str] = []
    for name in names:
        with (gzip.open if name.endswith(".gz") else open)(DATA_DIR / name, "rt", encoding="utf-8") as handle:
            if "text" not in (csv.DictReader(handle).fieldnames or ()):
                continue  # taxonomy.csv
        raw = _read(name, PER_FILE.get(name))
        # the analyser passes the cleaned form; the urgency sets, full of emergencies, go in raw as well
        texts += [clean(t) for t in raw] + (raw if name.startswith("urgency_eval") else [])
    return texts


def _observed(text: str):
    stripped, matches = urgency._matches(text)
    return (stripped, [(index, m.span(), m.group(0)) for index, m in matches], urgency._frames(stripped),
            urgency._scale(stripped))


def _differences(texts, monkeypatch, assess_every: int = 1) -> list:
    """Texts on which the two paths differ. assess() is a function of what _observed() compares (the rest
    of it is shared code), so for speed it may be called on every n-th text only."""
    def run():
        return [(_observed(t), urgency.assess(t, **KWARGS[i % len(KWARGS)]) if i % assess_every == 0 else None)
                for i, t in enumerate(texts)]

    monkeypatch.setattr(urgency, "PREFILTER", False)
    written = run()
    monkeypatch.setattr(urgency, "PREFILTER", True)
    fast = run()
    return [(t[:80], a, b) for t, a, b in zip(texts, written, fast, strict=True) if a != b]


def test_the_fast_path_is_the_rules_as_written_on_real_texts(real_texts, monkeypatch):
    assert len(real_texts) > 10_000
    differ = _differences(real_texts, monkeypatch, assess_every=4)
    assert not differ, differ[:3]
    # the comparison means something only if the rules fire and strip on these texts
    matched = [urgency._matches(t) for t in real_texts]
    assert sum(bool(matches) for _, matches in matched) > 1000
    assert sum(stripped != t for t, (stripped, _) in zip(real_texts, matched, strict=True)) > 1000


EDGE_CASES = [
    "", " ", "，", "，。！？；,;!?", "如果", "若", "若干", "若干人死亡", "若3人死亡", "如果3人死亡", "如果3人死亡。",
    "3人死亡，如果", "，如果，", "如果，3人死亡", "甲乙，丙如果丁，3人死亡", "如果假如万一3人死亡，5人受伤",
    "万一不小心被车撞死，一不小心，万一", "一不小心万一", "若干年后若他死亡", "a如果b\n3人死亡", "如果\n3人死亡",
    "坐等你被车撞死，3人死亡。5人受伤", "祝你，如果。3人死亡！巴不得", "恨不得；诅咒，3人死亡", "祝你", "3人死亡祝您",
    "3人死亡，伤亡惨重，车毁人亡，2死3伤", "伤亡近20", "被打伤", "打死我", "打死他", "弄死你", "弄死算了",
    "想自杀", "张紫妍自杀", "王某自杀", "一男子自杀身亡", "说李小明自杀", "他自杀的念头", "自杀率上升，交通事故死亡率",
    "每年有3人死亡", "每5分钟就有一人死于车祸", "事故频发多发事故", "常出事故，频发车祸", "冻死人了，热死我了，打死你",
    "差点骨折", "险些被砍伤，业主将静坐", "道德绑架", "地震局称地震带", "火灾隐患，担心坍塌，消防演练",
    "鸡农药中毒，杀死一只狐狸", "如同火山喷发", "有种被车撞的感觉", "无人员伤亡", "未造成人员伤亡，3人受伤",
    "王者荣耀：黄忠被烧死了", "美丽传说温泉度假酒店发生火灾", "电影院起火", "地震十周年", "汶川地震遇难同胞",
    "12死3伤", "致3人死亡", "造成2人受伤", "3名学生食物中毒送医", "新增确诊12例", "3例了", "达到20例",
    "被狗咬伤", "叼走", "持刀砍人", "砍了三刀", "掏出刀子捅", "被歹徒捅伤", "腿骨折", "打断了腿", "失去左臂",
    "3人3人3人死亡死亡", "一二三四五六七八九十百千数多几若干近逾超约死亡", "1234567890死亡",
    "死亡14人受伤", "12死3伤，伤亡惨重", "6.5级地震", "早年跌落骨折", "麻将馆扰民，殴打", "被抓获，3人死亡",
    "勇士击落火箭", "因病抢救无效", "大面积停电", "火势迅速蔓延", "两年前失踪", "数十人中毒",
    "近" * 40 + "死亡", "如果" * 30, "，" * 30 + "如果", "一" * 200 + "3人死亡", "3" * 100 + "人受伤",
]


def test_the_fast_path_is_the_rules_as_written_on_edge_cases(monkeypatch):
    differ = _differences(EDGE_CASES + [clean(t) for t in EDGE_CASES], monkeypatch)
    assert not differ, differ[:3]


def _vocabulary() -> list[str]:
    """The literal words of every rule, delimiters, numbers and frequent characters: random texts made of
    them hit triggers side by side, overlapping and at either end far more often than real text."""
    sources = [p.pattern for _, p, _, _ in urgency.SIGNALS] + [p.pattern for p in urgency_vocab._NOT_AN_EVENT]
    sources += [p.pattern for _, p, _ in urgency_vocab.FRAMES] + [p.pattern for _, p, _ in urgency_vocab.SCALE]
    sources += [urgency_vocab._NAMED_PLACE.pattern]
    words = sorted({w for s in sources for w in re.findall(r"[\u4e00-\u9fff]+", s)})
    return words + list("，。！？；,;!?：“\" \n") + ["3", "12", "一", "两", "多", "几", "人", "名", "的", "了", "被", "他", "某"]


def test_the_fast_path_is_the_rules_as_written_on_random_texts(monkeypatch):
    vocabulary = _vocabulary()
    rng = random.Random(20240611)
    texts = ["".join(rng.choices(vocabulary, k=rng.randint(1, 20))) for _ in range(3000)]
    differ = _differences(texts, monkeypatch)
    assert not differ, differ[:3]


def test_the_fast_path_splits_and_rewrites():
    """Otherwise the comparisons above would compare the rules with themselves."""
    assert all(len(fast.parts) > 1 for fast in urgency._FAST_SIGNALS[:2])
    clauses = [s for s in urgency._FAST_STRIPS if isinstance(s, Clauses)]
    assert len(clauses) == 3


@pytest.mark.parametrize(("source", "parts"), [
    (r"a|b", ["a", "b"]),
    (r"(a|b)c|d", ["(a|b)c", "d"]),
    (r"[|]x|y", ["[|]x", "y"]),
    (r"[]|]x|y", ["[]|]x", "y"]),
    (r"[^]|]x|y", ["[^]|]x", "y"]),
    (r"\|x|y", [r"\|x", "y"]),
    (r"(?<![想|要])自杀|(?!a|b)c", ["(?<![想|要])自杀", "(?!a|b)c"]),
])
def test_top_level_alternatives(source, parts):
    assert top_level_alternatives(source) == parts


@pytest.mark.parametrize("pattern", [r"(a)x|\1", r"(?i)ab|cd", r"ab|c?", r"abc"])
def test_patterns_that_cannot_be_split_run_whole(pattern):
    compiled = re.compile(pattern)
    fast = Alternatives(compiled)
    assert fast.parts == (compiled,)
    gate = -1  # every alternative
    for text in ("", "ab", "xab cd", "aXaa", "cab"):
        match = fast.search(text, gate)
        assert (match and match.group(0)) == (compiled.search(text) and compiled.search(text).group(0))
        assert fast.sub(text, gate) == compiled.sub("", text)


@pytest.mark.parametrize("pattern", [r"[^，。]*(如果|若(?!干))[^，。]*", r"[^，。！]*(坐等|诅咒)[^。]*",
                                     r"[^，]*(若|如果)[^，。]*"])
def test_clause_strips_are_exact_or_not_used(pattern):
    compiled = re.compile(pattern)
    fast = Clauses.of(compiled)
    if pattern.startswith("[^，]"):
        assert fast is None  # a clause that may end before its own start: not this shape
        return
    assert fast is not None
    rng = random.Random(pattern)
    for text in ["".join(rng.choices(["如果", "若", "干", "坐等", "诅咒", "，", "。", "！", "甲", "乙"], k=rng.randint(0, 20)))
                 for _ in range(2000)]:
        assert fast.sub(text, -1) == compiled.sub("", text), text
