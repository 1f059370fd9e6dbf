"""The 监测方案 query language: what an analyst writes to watch the stream.

    鲤城 AND (拆迁 OR 征收) NOT 招聘
    +江南街道 +噪音 !广告
    "垃圾 焚烧" NEAR/10 抗议

* words and quoted phrases ("…" or “…”) are matched as substrings of the post (Chinese has no
  spaces between words), on the simplified, half-width, lower-cased text, so a traditional post
  matches a simplified query and the other way round;
* `AND` (also `&`, or nothing: terms side by side must all occur), `OR` (also `|`), `NOT` (also
  `-` before a term), `+word` (must) and `!word` (exclude); parentheses group; `AND` binds tighter
  than `OR`, `NOT` tightest;
* `A NEAR/n B`: A and B occur with at most n characters between them (A and B are words or phrases).

A query that cannot match anything by itself (only exclusions) is refused, as is a malformed one:
`QueryError` names the character position (1-based) and the reason, in Chinese.

Matching many schemes is one pass over a post (SchemeIndex): every term of every scheme is in one
Aho–Corasick automaton, so a post is scanned once whatever the number of schemes, and only the
schemes one of whose required terms occurs are evaluated.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import ahocorasick

from nlp.normalize import to_simplified
from yuqing.errors import BadInput

MAX_QUERY_CHARS = 2000
MAX_TERMS = 200
MAX_DEPTH = 40
MAX_NEAR = 500


class QueryError(BadInput):
    """A 监测方案 expression that cannot be parsed; the message gives the position and the reason."""

    exit_code = 2

    def __init__(self, position: int, reason: str, query: str = "") -> None:
        self.position = position
        self.reason = reason
        super().__init__(f"查询表达式第 {position} 个字符处有误：{reason}")


# full-width ASCII (Ａ１，！) and the ideographic space to their half-width forms: what NFKC does that
# matters to a match, at a fraction of its cost (NFKC rewrites most Chinese posts for their ，)
_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def fold(text: str) -> str:
    """The form both queries and posts are matched in: simplified, half-width, lower case."""
    return to_simplified(text or "").translate(_HALFWIDTH).lower()


# ---------------------------------------------------------------- syntax tree

@dataclass(frozen=True)
class Term:
    text: str  # folded

    def evaluate(self, found: dict[str, list[int]]) -> bool:
        return self.text in found

    def terms(self) -> Iterable[str]:
        yield self.text


@dataclass(frozen=True)
class Near:
    left: Term
    right: Term
    within: int

    def evaluate(self, found: dict[str, list[int]]) -> bool:
        a, b = found.get(self.left.text), found.get(self.right.text)
        if not a or not b:
            return False
        la, lb = len(self.left.text), len(self.right.text)
        for i in a:
            for j in b:
                gap = j - (i + la) if j >= i else i - (j + lb)
                if gap <= self.within:
                    return True
        return False

    def terms(self) -> Iterable[str]:
        yield self.left.text
        yield self.right.text


@dataclass(frozen=True)
class Not:
    operand: object

    def evaluate(self, found) -> bool:
        return not self.operand.evaluate(found)

    def terms(self) -> Iterable[str]:
        yield from self.operand.terms()


@dataclass(frozen=True)
class _Group:
    """Operands joined by one operator; `combine` (all / any) is the operator."""

    operands: tuple
    combine = staticmethod(all)

    def evaluate(self, found) -> bool:
        return self.combine(o.evaluate(found) for o in self.operands)

    def terms(self) -> Iterable[str]:
        for o in self.operands:
            yield from o.terms()


class All(_Group):
    combine = staticmethod(all)


class Any_(_Group):
    combine = staticmethod(any)


def positive_terms(node) -> Iterable[str]:
    """Terms whose presence can make the query match (those under no NOT): the matched_terms."""
    if isinstance(node, Not):
        return
    if isinstance(node, (Term, Near)):
        yield from node.terms()
        return
    for operand in node.operands:
        yield from positive_terms(operand)


# ---------------------------------------------------------------- tokens

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<phrase>"[^"]*"?|“[^”]*”?)
  | (?P<near>NEAR/(?P<n>[^\s()（）"“]*))
  | (?P<open>[(（])
  | (?P<close>[)）])
  | (?P<prefix>[+!！＋-](?=\S))
  | (?P<bar>[|｜])
  | (?P<amp>[&＆])
  | (?P<word>[^\s"“”()（）|｜&＆]+)
""", re.X)
_KEYWORDS = {"AND": "and", "OR": "or", "NOT": "not"}


@dataclass(frozen=True)
class _Tok:
    kind: str  # word phrase and or not near open close must exclude end
    value: str
    pos: int  # 1-based
    n: int = 0


def _tokens(query: str) -> list[_Tok]:
    out: list[_Tok] = []
    i = 0
    while i < len(query):
        m = _TOKEN.match(query, i)
        if m is None:  # cannot happen with the catch-all word class, but never loop forever
            raise QueryError(i + 1, f"无法识别的字符 {query[i]!r}")
        kind, pos = m.lastgroup, i + 1
        text = m.group(0)
        if kind == "phrase":
            closing = "”" if text.startswith("“") else '"'
            if len(text) < 2 or not text.endswith(closing):
                raise QueryError(pos, "引号没有闭合")
            inner = text[1:-1].strip()
            if not inner:
                raise QueryError(pos, "空的引号短语")
            out.append(_Tok("phrase", inner, pos))
        elif kind == "near":
            if not m.group("n"):
                raise QueryError(pos, "NEAR 后面要写距离，例如 NEAR/10")
            if not m.group("n").isascii() or not m.group("n").isdigit():
                raise QueryError(pos, "NEAR 后面的距离必须是数字，例如 NEAR/10")
            n = int(m.group("n"))
            if n > MAX_NEAR:
                raise QueryError(pos, f"NEAR 的距离最多 {MAX_NEAR} 个字")
            out.append(_Tok("near", text, pos, n))
        elif kind == "prefix":
            out.append(_Tok("must" if text in "+＋" else "exclude", text, pos))
        elif kind == "bar":
            out.append(_Tok("or", text, pos))
        elif kind == "amp":
            out.append(_Tok("and", text, pos))
        elif kind == "word":
            out.append(_Tok(_KEYWORDS.get(text, "word"), text, pos))
        elif kind != "space":
            out.append(_Tok(kind, text, pos))
        i = m.end()
    out.append(_Tok("end", "", len(query) + 1))
    return out


# ---------------------------------------------------------------- parser

class _Parser:
    def __init__(self, query: str) -> None:
        self.tokens = _tokens(query)
        self.at = 0
        self.depth = 0
        self.count = 0

    @property
    def tok(self) -> _Tok:
        return self.tokens[self.at]

    def take(self) -> _Tok:
        tok = self.tokens[self.at]
        self.at += 1
        return tok

    def parse(self):
        if self.tok.kind == "end":
            raise QueryError(1, "查询为空")
        node = self.or_expr()
        if self.tok.kind == "close":
            raise QueryError(self.tok.pos, "多余的右括号")
        if self.tok.kind != "end":
            raise QueryError(self.tok.pos, f"这里不应出现 {self.tok.value!r}")
        return node

    def or_expr(self):
        return self.joined(self.and_expr, Any_, more=lambda kind: kind == "or")

    def and_expr(self):  # terms side by side are joined by AND too
        return self.joined(self.unary, All, more=lambda kind: kind not in ("or", "close", "end"))

    def joined(self, operand, group, *, more):
        """Operands joined by one operator (`more`: the next token continues the group)."""
        parts = [operand()]
        while more(self.tok.kind):
            if self.tok.kind in ("or", "and"):
                op = self.take()
                if self.tok.kind in ("end", "close", "or", "and"):
                    raise QueryError(op.pos, f"{op.value} 后面缺少检索词")
            parts.append(operand())
        return parts[0] if len(parts) == 1 else group(tuple(parts))

    def unary(self):
        tok = self.tok
        if tok.kind in ("not", "exclude"):
            self.take()
            if self.tok.kind in ("end", "close", "or", "and"):
                raise QueryError(tok.pos, f"{tok.value} 后面缺少要排除的词")
            # counted with the parentheses: "!!!!…a" would otherwise nest past what Python can parse
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QueryError(tok.pos, f"NOT 与括号嵌套超过 {MAX_DEPTH} 层")
            node = Not(self.unary())
            self.depth -= 1
            return node
        if tok.kind == "must":
            self.take()
            return self.near()
        if tok.kind in ("and", "or"):
            raise QueryError(tok.pos, f"{tok.value} 前面缺少检索词")
        return self.near()

    def near(self):
        left = self.primary()
        while self.tok.kind == "near":
            op = self.take()
            if not isinstance(left, Term):
                raise QueryError(op.pos, "NEAR 的两边只能是词或引号短语")
            right = self.primary()
            if not isinstance(right, Term):
                raise QueryError(op.pos, "NEAR 的两边只能是词或引号短语")
            left = Near(left, right, op.n)
        return left

    def primary(self):
        tok = self.tok
        if tok.kind == "open":
            self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QueryError(tok.pos, f"括号嵌套超过 {MAX_DEPTH} 层")
            if self.tok.kind == "close":
                raise QueryError(tok.pos, "空括号")
            node = self.or_expr()
            if self.tok.kind != "close":
                raise QueryError(tok.pos, "括号没有闭合")
            self.take()
            self.depth -= 1
            return node
        if tok.kind in ("word", "phrase"):
            self.take()
            text = fold(tok.value)
            if not text.strip():
                raise QueryError(tok.pos, "检索词为空")
            self.count += 1
            if self.count > MAX_TERMS:
                raise QueryError(tok.pos, f"检索词超过 {MAX_TERMS} 个")
            return Term(text)
        if tok.kind == "close":
            raise QueryError(tok.pos, "多余的右括号")
        if tok.kind == "end":
            raise QueryError(tok.pos, "表达式不完整，末尾缺少检索词")
        if tok.kind == "near":
            raise QueryError(tok.pos, "NEAR 前面缺少检索词")
        raise QueryError(tok.pos, f"这里不应出现 {tok.value!r}")


@dataclass(frozen=True)
class Query:
    source: str
    tree: object

    @cached_property
    def terms(self) -> frozenset[str]:
        return frozenset(self.tree.terms())

    @cached_property
    def positive(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(positive_terms(self.tree)))

    @cached_property
    def test(self):
        """The tree as one compiled predicate over {term: positions}: evaluating a scheme per post is
        then one call, not a walk of the tree (the cost of matching hundreds of schemes)."""
        helpers: dict[str, object] = {}
        return eval(f"lambda f: {_source(self.tree, helpers)}", helpers)  # noqa: S307 - built from the parsed tree

    def match(self, text: str) -> tuple[str, ...] | None:
        """The positive terms found when the (unfolded) text matches, else None."""
        folded = fold(text)
        return self.match_folded(folded, _find(folded, self.terms))

    def match_folded(self, folded: str, found: dict[str, list[int]]) -> tuple[str, ...] | None:
        if not self.test(found):
            return None
        return tuple(t for t in self.positive if t in found)


def _source(node, helpers: dict[str, object]) -> str:
    """Python source of a tree's predicate over `f` ({term: positions}); terms are repr()-quoted."""
    if isinstance(node, Term):
        return f"({node.text!r} in f)"
    if isinstance(node, Near):
        name = f"near{len(helpers)}"
        helpers[name] = node.evaluate
        return f"{name}(f)"
    if isinstance(node, Not):
        return f"(not {_source(node.operand, helpers)})"
    joiner = " and " if isinstance(node, All) else " or "
    return "(" + joiner.join(_source(o, helpers) for o in node.operands) + ")"


def parse(query: str) -> Query:
    """The query, or a QueryError naming the position and the reason."""
    if query is None or not str(query).strip():
        raise QueryError(1, "查询为空")
    query = str(query)
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(MAX_QUERY_CHARS + 1, f"查询过长（最多 {MAX_QUERY_CHARS} 个字符）")
    bad = next((i for i, c in enumerate(query) if ord(c) < 32 and c not in "\t\n\r"), None)
    if bad is not None:
        raise QueryError(bad + 1, "含有控制字符")
    tree = _Parser(query).parse()
    if tree.evaluate({}):
        raise QueryError(1, "只有排除条件的查询会匹配几乎所有帖子；请至少写一个必须出现的词")
    return Query(query, tree)


def _find(folded: str, terms: Iterable[str]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for term in terms:
        start = folded.find(term)
        while start != -1:
            found.setdefault(term, []).append(start)
            start = folded.find(term, start + 1)
    return found


def triggers(node) -> frozenset[str] | None:
    """Terms one of which every text the node matches holds (None: none follows from the node alone,
    as under a NOT). A scheme need only be evaluated on a post holding one of its triggers: for
    `A AND (B OR C) NOT D` that is A alone, not D."""
    if isinstance(node, Term):
        return frozenset((node.text,))
    if isinstance(node, Near):  # both must occur: the longer (rarer) one is enough to look for
        return frozenset((max(node.left.text, node.right.text, key=len),))
    if isinstance(node, Not):
        return None
    found = [triggers(o) for o in node.operands]
    if isinstance(node, All):  # every operand must match: the one with the fewest, longest triggers
        known = [t for t in found if t is not None]
        return min(known, key=lambda t: (len(t), -min(map(len, t)), sorted(t))) if known else None
    return None if None in found else frozenset().union(*found)


class SchemeIndex:
    """Many schemes matched against one post in one pass.

    Every term of every scheme is in one Aho–Corasick automaton (pyahocorasick, C): a post is scanned
    once whatever the number of schemes, and only the schemes one of whose triggers occurs (see
    `triggers`) are evaluated. `parse` refuses a query that matches a post holding none of its terms,
    so a scheme whose tree gives no triggers falls back to all its terms."""

    def __init__(self, schemes: dict[object, Query]) -> None:
        self.schemes = dict(schemes)
        self._by_trigger: dict[str, list[tuple[object, object, tuple[str, ...]]]] = defaultdict(list)
        terms: set[str] = set()
        for key, query in self.schemes.items():
            terms |= query.terms
            for term in sorted(triggers(query.tree) or query.terms):
                self._by_trigger[term].append((key, query.test, query.positive))
        self._automaton = ahocorasick.Automaton()
        for term in terms:
            self._automaton.add_word(term, (term, len(term) - 1))
        if terms:
            self._automaton.make_automaton()
        # Folding maps full-width ASCII one character to one, so it only changes what a term finds
        # where the half-width form is a character some term holds (a Latin letter or digit, a space
        # in a phrase); a post without such a character is scanned as it is.
        wide = [chr(code) for code, narrow in _HALFWIDTH.items() if chr(narrow).lower() in "".join(terms)]
        self._wide = re.compile(f"[{re.escape(''.join(wide))}]") if wide else None

    def __len__(self) -> int:
        return len(self.schemes)

    def match(self, text: str, *, simplified: bool = False) -> dict[object, tuple[str, ...]]:
        """{scheme key: matched terms} for the schemes the text matches. `simplified`: the text is
        already in simplified characters (a stored post's text_simplified), so only width and case
        are folded here: the traditional → simplified conversion is most of the cost of folding."""
        if not self.schemes:
            return {}
        folded = (text or "") if simplified else to_simplified(text or "")
        if self._wide is not None and self._wide.search(folded):
            folded = folded.translate(_HALFWIDTH)
        folded = folded.lower()
        found: dict[str, list[int]] = {}
        for end, (term, back) in self._automaton.iter(folded):
            if term in found:
                found[term].append(end - back)
            else:
                found[term] = [end - back]
        if not found:
            return {}
        out: dict[object, tuple[str, ...]] = {}
        by_trigger = self._by_trigger
        for term in found:
            for key, test, positive in by_trigger.get(term, ()):
                if key not in out and test(found):
                    out[key] = tuple(t for t in positive if t in found)
        return out
