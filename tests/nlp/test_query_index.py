"""SchemeIndex (one Aho–Corasick pass, only the schemes whose required terms occur evaluated, width
folding skipped when no term needs it) gives exactly what evaluating every scheme's tree on its own
gives, on real posts from ../shared/data: citizen messages, Weibo posts and news headlines, some
turned traditional, full-width or upper case the way real posts come."""

import csv
import random

import opencc
import pytest

from nlp.normalize import to_simplified
from nlp.query import SchemeIndex, fold, parse, triggers
from tests.conftest import SHARED_DATA

FILES = [("gov_messages/messages_with_votes.csv", ("title", "text")),
         ("sentiment/smp2020_ewect.csv", ("text",)),
         ("news/tnews_dev.csv", ("text",))]


def real_posts(per_file: int = 700) -> list[str]:
    posts = []
    for name, columns in FILES:
        path = SHARED_DATA / name
        if not path.exists():
            pytest.skip(f"shared data missing: {path}")
        with path.open(encoding="utf-8", newline="") as handle:
            rows = [row for row, _ in zip(csv.DictReader(handle), range(per_file), strict=False)]
        posts += ["\n".join(row[c] or "" for c in columns) for row in rows]
    rng = random.Random(3)
    traditional = opencc.OpenCC("s2t")
    wide = {code: code + 0xFEE0 for code in range(0x21, 0x7F)} | {0x20: 0x3000}
    out = []
    for text in posts:  # as real posts come: some traditional, some full-width, some upper case
        roll = rng.random()
        if roll < 0.2:
            text = traditional.convert(text)
        elif roll < 0.3:
            text = text.translate(wide)
        elif roll < 0.4:
            text = text.upper()
        out.append(text)
    return out


def naive(query, folded: str):
    """The scheme on its own over the folded post: every term looked for with str.find, the tree walked."""
    found = {}
    for term in query.terms:
        start = folded.find(term)
        while start != -1:
            found.setdefault(term, []).append(start)
            start = folded.find(term, start + 1)
    if not query.tree.evaluate(found):
        return None
    return tuple(t for t in query.positive if t in found)


def draw_queries(posts: list[str], n: int, seed: int = 11) -> list[str]:
    """Queries over substrings of the posts (1-4 characters, Latin and digits too, some written in
    traditional characters or full width), in every shape the language has, NOTs inside ORs and
    double negations included (their triggers fall back to all terms)."""
    rng = random.Random(seed)
    traditional = opencc.OpenCC("s2t")

    def term() -> str:
        while True:
            text = fold(rng.choice(posts))
            size = rng.choice((1, 2, 2, 2, 3, 3, 4))
            if len(text) <= size:
                continue
            start = rng.randrange(len(text) - size)
            word = text[start:start + size]
            if word.strip() != word or not word.strip() or any(q in word for q in '"“”\x00'):
                continue
            roll = rng.random()
            if roll < 0.1:
                word = traditional.convert(word)
            elif roll < 0.15:
                word = word.upper().translate({code: code + 0xFEE0 for code in range(0x21, 0x7F)})
            return f'"{word}"'

    shapes = [
        lambda a, b, c, d: f"{a} AND ({b} OR {c}) NOT {d}",
        lambda a, b, c, d: f"+{a} +{b} !{c}",
        lambda a, b, c, d: f"{a} {b}",
        lambda a, b, c, d: f"{a} NEAR/{rng.randrange(0, 30)} {b}",
        lambda a, b, c, d: f"{a} OR {b} OR {c}",
        lambda a, b, c, d: f"({a} OR NOT {b}) AND {c}",
        lambda a, b, c, d: f"NOT (NOT {a})",
        lambda a, b, c, d: f"NOT ({a} OR NOT {b})",
        lambda a, b, c, d: f"{a} OR ({b} NEAR/3 {c} NOT {d})",
        lambda a, b, c, d: f"(NOT (NOT {a}) AND {b}) OR {c}",
    ]
    return [shapes[i % len(shapes)](term(), term(), term(), term()) for i in range(n)]


def test_the_index_equals_every_scheme_evaluated_on_its_own():
    posts = real_posts()
    queries = {i: parse(q) for i, q in enumerate(draw_queries(posts, 300))}
    index = SchemeIndex(queries)
    matched = []
    for text in posts:
        folded = fold(text)
        expected = {key: terms for key, query in queries.items() if (terms := naive(query, folded)) is not None}
        assert index.match(text) == expected, text
        # a stored post's simplified copy (the crawl's text_simplified) gives the same answer
        assert index.match(to_simplified(text), simplified=True) == expected, text
        matched += expected
    # the comparison means something: many posts match, through every shape of query
    assert len(matched) > len(posts)
    assert {key % 10 for key in matched} == set(range(10))


def test_triggers_are_what_a_match_needs():
    assert triggers(parse("鲤城 AND (拆迁 OR 征收) NOT 招聘").tree) == {"鲤城"}
    assert triggers(parse("拆迁 OR 征收").tree) == {"拆迁", "征收"}
    assert triggers(parse("噪音 NEAR/3 扰民现象").tree) == {"扰民现象"}
    assert triggers(parse("(拆迁 OR NOT 招聘) AND 鲤城").tree) == {"鲤城"}
    assert triggers(parse("NOT (NOT 拆迁)").tree) is None  # falls back to every term of the scheme
    index = SchemeIndex({1: parse("NOT (NOT 拆迁)"), 2: parse("拆迁 NOT 招聘")})
    assert index.match("拆迁") == {1: (), 2: ("拆迁",)}
    assert index.match("招聘") == {}


def test_width_folding_applies_where_a_term_needs_it():
    index = SchemeIndex({1: parse("abc"), 2: parse('"垃圾 焚烧"'), 3: parse("拆迁")})
    assert index.match("ＡＢＣ公司") == {1: ("abc",)}
    assert index.match("垃圾\u3000焚烧，拆迁！") == {2: ("垃圾 焚烧",), 3: ("拆迁",)}
    assert SchemeIndex({3: parse("拆迁")}).match("Ａ拆迁，") == {3: ("拆迁",)}
    assert SchemeIndex({}).match("拆迁") == {}
