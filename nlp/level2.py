"""Second-level category within the predicted first level, by taxonomy terms (附件1) and a few
hints where level 2 decides the unit (e.g. 卫生计生 > 食品药品监管 goes to market regulation)."""

from __future__ import annotations

import csv
import re
from functools import lru_cache

from nlp import DATA_DIR

_SPLIT = re.compile(r"[和与及、/]")
_GENERIC = {"其他", "管理", "服务", "问题"}
HINTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("卫生计生", "食品药品监管"): ("食品", "餐馆", "饭店", "餐饮", "外卖", "药品", "药店", "保健品", "过期", "变质", "后厨"),
    ("城乡建设", "城市建设和市政管理"): ("路灯", "下水道", "井盖", "市政", "城管", "占道", "绿化", "垃圾", "环境卫生", "道路破损", "积水"),
    ("城乡建设", "安全生产"): ("安全隐患", "安全生产", "事故"),
    ("城乡建设", "住房保障与房地产"): ("物业", "房产证", "开发商", "楼盘", "购房", "公租房", "廉租房", "业委会"),
    ("教育文体", "文化"): ("图书馆", "文化馆", "演出", "文艺"),
    ("教育文体", "体育"): ("体育馆", "健身", "球场", "运动场"),
    ("教育文体", "文物管理"): ("文物", "古迹", "古厝", "文保"),
    ("商贸旅游", "旅游管理"): ("旅游", "景区", "导游", "旅行社"),
    ("商贸旅游", "商业贸易"): ("超市", "商场", "招商"),
    ("政法", "交通管理"): ("交警", "违章停车", "闯红灯", "驾驶证"),
}


@lru_cache(maxsize=1)
def terms() -> dict[str, dict[str, tuple[str, ...]]]:
    table: dict[str, dict[str, set[str]]] = {}
    with (DATA_DIR / "taxonomy.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            level1, level2, level3 = row["level1"], row["level2"], row["level3"]
            if level2 == "其他":
                continue
            bucket = table.setdefault(level1, {}).setdefault(level2, set())
            for name in (level2, level3):
                for part in _SPLIT.split(name):
                    part = part.strip()
                    if len(part) >= 2 and part not in _GENERIC:
                        bucket.add(part)
    for (level1, level2), words in HINTS.items():
        table.setdefault(level1, {}).setdefault(level2, set()).update(words)
    return {l1: {l2: tuple(sorted(w)) for l2, w in sub.items()} for l1, sub in table.items()}


@lru_cache(maxsize=1)
def _by_first_char() -> dict[str, dict[str, tuple[tuple[str, str], ...]]]:
    """level1 → first character → (level2, word): a text is only searched for words whose first
    character it contains, a small share of the few thousand terms."""
    index: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for level1, sub in terms().items():
        for level2, words in sub.items():
            for word in words:
                index.setdefault(level1, {}).setdefault(word[0], []).append((level2, word))
    return {l1: {c: tuple(pairs) for c, pairs in chars.items()} for l1, chars in index.items()}


def level2_of(level1: str | None, text: str) -> str | None:
    if not level1 or level1 not in terms():
        return None
    by_char = _by_first_char()[level1]
    hits: dict[str, int] = {}
    for char in by_char.keys() & set(text):
        for level2, word in by_char[char]:
            hits[level2] = hits.get(level2, 0) + text.count(word)
    best, best_hits = None, 0
    for level2 in terms()[level1]:  # the taxonomy's order breaks ties, as it always has
        if hits.get(level2, 0) > best_hits:
            best, best_hits = level2, hits[level2]
    return best
