"""The exact character gate of the urgency rules (nlp/urgency.py): which patterns, and which top-level
alternatives of a pattern, can match a text at all, read from each pattern's own syntax tree so the gate
cannot drift from the patterns.

Most texts contain none of the characters some pattern needs, and a dozen large regexes per text is the
largest cost of the analysis. The gate is exact: stripping only removes characters, so a pattern that
cannot match the raw text cannot match the stripped one either. nlp.urgency.PREFILTER = False runs the
patterns as written, one whole regex at a time: the reference this fast path is tested against
(tests/nlp/test_urgency_prefilter.py, tests/nlp/test_urgency_fast.py)."""

from __future__ import annotations

import re
import re._constants as _sre
import re._parser as _sre_parse
from functools import reduce
from operator import or_

# very frequent characters make poor gates: when a sequence offers several mandatory parts, the one with
# the rarest characters is chosen (only speed depends on this list, never the result)
_COMMON = frozenset("的一是不了人在有我他这中大来上个们到说和地也子时道出而要于就下得可你年生自会那后能对着事其里"
                    "所去行过家十用发天如然作方成者多日都三小二无同么经法当起与好看学进种将还分此心前面又定见只主"
                    "没公从被很最区市县镇村问题反映请情况工作部门领导关")


def _cost(chars: frozenset[str]) -> int:
    return sum(100 if c in _COMMON else 1 for c in chars)


def _needed(items) -> frozenset[str] | None:
    """Characters of which every match of the sequence `items` contains at least one (None: no such
    guarantee). A sequence needs what any of its mandatory parts needs; the cheapest part is taken."""
    best = None
    for op, av in items:
        need = _needed_by(op, av)
        if need is not None and (best is None or _cost(need) < _cost(best)):
            best = need
    return best


def _needed_by(op, av) -> frozenset[str] | None:
    if op is _sre.LITERAL:
        return frozenset(chr(av))
    if op is _sre.IN:
        chars: set[str] = set()
        for kind, value in av:
            if kind is _sre.LITERAL:
                chars.add(chr(value))
            elif kind is _sre.RANGE and value[1] - value[0] < 64:
                chars.update(map(chr, range(value[0], value[1] + 1)))
            else:  # a negated class, a category (\d, \s) or a wide range: no small set of characters
                return None
        return frozenset(chars)
    if op is _sre.BRANCH:
        branches = [_needed(branch) for branch in av[1]]
        return None if any(b is None for b in branches) else frozenset().union(*branches)
    if op is _sre.SUBPATTERN:
        return None if av[1] & re.IGNORECASE else _needed(av[3])
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
        return _needed(av[2]) if av[0] >= 1 else None
    if op is _sre.ATOMIC_GROUP:
        return _needed(av)
    return None  # anchors, lookarounds, any character, back references: nothing consumed for sure


def needed_chars(pattern: re.Pattern) -> frozenset[str] | None:
    """Characters of which every match of `pattern` contains one; None when the pattern gives no
    such guarantee (then it always runs)."""
    if pattern.flags & re.IGNORECASE:
        return None
    return _needed(_sre_parse.parse(pattern.pattern, pattern.flags))


# --- fast path ---------------------------------------------------------------------------------------
# A whole pattern is gated by the union of its alternatives' characters, so a big alternation runs on
# almost every text, and then its slowest alternative (a count before 死亡, a name before 自杀) scans
# every position. Each top-level alternative is therefore compiled and gated on its own: one bit per
# alternative, the text's gate read once from its distinct characters. Nothing follows the top-level
# alternation, so the whole pattern's match is the alternatives' leftmost match, ties to the earliest
# alternative, and each alternative searched on the whole text sees the same context (lookbehinds,
# ^) as it did inside the whole pattern.
_bits_used = 0


def _take_bits(count: int) -> int:
    global _bits_used
    offset, _bits_used = _bits_used, _bits_used + count
    return offset


def top_level_alternatives(source: str) -> list[str]:
    parts, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            i += 1
            i += source.startswith("^", i)
            i += source.startswith("]", i)  # a ] first in a class is a literal
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(source[start:i])
            start = i + 1
        i += 1
    parts.append(source[start:])
    return parts


def _uses(items, ops) -> bool:
    """Whether the parsed sequence contains any of `ops` at any depth."""
    return any(op in ops or any(_uses(nested, ops) for nested in _subpatterns(av)) for op, av in items)


def _subpatterns(value):
    if isinstance(value, _sre_parse.SubPattern):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _subpatterns(item)


class Alternatives:
    """`pattern` split into its top-level alternatives, each with its own gate bit."""

    def __init__(self, pattern: re.Pattern):
        self.pattern = pattern
        self.parts = self._split(pattern) or (pattern,)  # a pattern that cannot be split runs whole
        self.offset = _take_bits(len(self.parts))
        self.mask = (1 << len(self.parts)) - 1
        self.needs = tuple(needed_chars(p) for p in self.parts)
        self.bits = self.mask << self.offset
        self._chosen: dict[int, tuple[re.Pattern, ...]] = {}

    @staticmethod
    def _split(pattern: re.Pattern) -> tuple[re.Pattern, ...] | None:
        """The alternatives, when they are equivalent to the whole: no flag that would read differently,
        no back reference across alternatives, each alternative a pattern of its own, and none that can
        match the empty string (sub()'s rules for empty matches are not reproduced)."""
        if pattern.flags != re.UNICODE:
            return None
        if _uses(_sre_parse.parse(pattern.pattern, pattern.flags), {_sre.GROUPREF, _sre.GROUPREF_EXISTS}):
            return None
        try:
            parts = tuple(re.compile(s) for s in top_level_alternatives(pattern.pattern))
        except re.error:
            return None
        if "|".join(p.pattern for p in parts) != pattern.pattern or sum(p.groups for p in parts) != pattern.groups:
            return None  # not split where the alternation is
        if any(_sre_parse.parse(p.pattern).getwidth()[0] == 0 for p in parts):
            return None
        return parts

    def _gated(self, gate: int) -> tuple[re.Pattern, ...]:
        bits = (gate >> self.offset) & self.mask
        parts = self._chosen.get(bits)
        if parts is None:
            parts = tuple(part for index, part in enumerate(self.parts) if bits >> index & 1)
            if len(self._chosen) < 4096:  # texts share few combinations; the bound is for adversarial input
                self._chosen[bits] = parts
        return parts

    def search(self, text: str, gate: int) -> re.Match | None:
        parts = self._gated(gate)
        if len(parts) == 1:
            return parts[0].search(text)
        best = None
        for part in parts:
            match = part.search(text)
            # strictly before: on a tie the earlier alternative (searched first) wins
            if match is not None and (best is None or match.start() < best.start()):
                best = match
        return best

    def found(self, text: str, gate: int) -> bool:
        return any(part.search(text) for part in self._gated(gate))

    def sub(self, text: str, gate: int) -> str:
        """pattern.sub("", text): the leftmost match, ties to the earliest alternative, again and again
        from the end of the last one."""
        parts = self._gated(gate)
        if len(parts) <= 1:  # the alternatives gated out cannot match anywhere
            return parts[0].sub("", text) if parts else text
        found = [part.search(text) for part in parts]
        pieces, position = [], 0
        while True:
            best = None
            for index, match in enumerate(found):
                if match is not None and match.start() < position:
                    # a match at or after `position` is still the leftmost from there: every start
                    # before it was tried and failed
                    match = found[index] = parts[index].search(text, position)
                if match is not None and (best is None or match.start() < best.start()):
                    best = match
            if best is None:
                break
            pieces.append(text[position:best.start()])
            position = best.end()
        pieces.append(text[position:])
        return "".join(pieces)


_CLAUSE = re.compile(r"\[\^(?P<open>[^\]\\]+)\]\*\((?P<trigger>.+)\)\[\^(?P<close>[^\]\\]+)\]\*")


class Clauses:
    """pattern.sub("", text) for a pattern of the shape [^D]*(trigger)[^E]* (E within D, a trigger
    that holds no character of D): every clause from its start to the next E that holds a trigger.
    Run as written, the leading [^D]* scans to the end of the clause from every position of a clause
    without a trigger, which costs the square of the clause's length."""

    @classmethod
    def of(cls, pattern: re.Pattern) -> Clauses | None:
        shape = _CLAUSE.fullmatch(pattern.pattern)
        if shape is None or pattern.flags != re.UNICODE:
            return None
        trigger, opening, closing = shape["trigger"], set(shape["open"]), set(shape["close"])
        if any(c in "\\-^[]" for c in opening | closing) or not closing <= opening:
            return None
        depth = 0
        for char in trigger:  # (trigger) must be one group, not "(a)…(b)"
            depth += (char == "(") - (char == ")")
            if depth < 0:
                return None
        try:
            parsed = _sre_parse.parse(trigger)
        except re.error:
            return None
        literals: set[str] = set()
        if not cls._plain(parsed, literals) or literals & opening or parsed.getwidth()[0] == 0:
            return None
        return cls(pattern, re.compile(trigger), opening, closing)

    @classmethod
    def _plain(cls, items, literals: set[str]) -> bool:
        """Literals, alternations, groups and lookarounds only: what the trigger consumes is a literal."""
        for op, av in items:
            if op is _sre.LITERAL:
                literals.add(chr(av))
            elif op is _sre.BRANCH:
                if not all(cls._plain(b, literals) for b in av[1]):
                    return False
            elif op is _sre.SUBPATTERN:
                if not cls._plain(av[3], literals):
                    return False
            elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
                pass  # consumes nothing; it sees the whole text here as in the whole pattern
            else:
                return False
        return True

    def __init__(self, pattern: re.Pattern, trigger: re.Pattern, opening: set[str], closing: set[str]):
        self.pattern = pattern
        self.trigger = trigger
        self.opening = tuple(opening)
        self.closing = re.compile("[" + "".join(sorted(closing)) + "]")
        self.offset = _take_bits(1)
        self.bits = 1 << self.offset
        self.needs = (needed_chars(trigger),)

    def sub(self, text: str, gate: int) -> str:  # the gate was read by the caller: one bit, the trigger's
        match = self.trigger.search(text)
        if match is None:
            return text
        pieces, position = [], 0
        while match is not None:
            trigger = match.start()
            start = max(text.rfind(d, position, trigger) for d in self.opening) + 1
            pieces.append(text[position:max(start, position)])
            end = self.closing.search(text, trigger)
            position = end.start() if end else len(text)
            match = self.trigger.search(text, position)
        pieces.append(text[position:])
        return "".join(pieces)


class Gate:
    """One bit per alternative of every fast pattern given, so a text's gate is computed once from its
    distinct characters instead of one set test per alternative (the set tests cost as much as the
    searches they saved)."""

    def __init__(self, fasts) -> None:
        self.ungated = 0
        char_bits: dict[str, int] = {}
        for fast in fasts:
            for index, need in enumerate(fast.needs):
                bit = 1 << (fast.offset + index)
                if need is None:
                    self.ungated |= bit
                for char in need or ():
                    char_bits[char] = char_bits.get(char, 0) | bit
        self.char_bits = char_bits
        self.chars = frozenset(char_bits)

    def __call__(self, text: str) -> int:
        """Bit mask of the alternatives that may match `text` (or, after stripping, any part of it)."""
        return reduce(or_, map(self.char_bits.__getitem__, self.chars.intersection(text)), self.ungated)
