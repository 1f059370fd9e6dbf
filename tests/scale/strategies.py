"""Hypothesis strategies for hostile input: arbitrary unicode (control characters, surrogates
escaped, emoji, traditional characters, full-width forms), hostile HTML, and byte-level mutations of
realistic seeds."""

from __future__ import annotations

from hypothesis import strategies as st

HOSTILE_FRAGMENTS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<!--", "]]>", "<![CDATA[", "&#0;", "&#xD800;",
    "&amp;&lt;&gt;", "<div style='display:none'>", "</div></div></div>", "<a href='javascript:alert(1)'>x</a>",
    "\x00", "\ufeff", "\u202e", "\r\n", "=cmd|' /C calc'!A0", "💥🔥", "鲤城區開元街道", "ＡＢＣ１２３", "http://x.invalid/?a=1&b=2",
    "<?xml version='1.0'?>", "<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>", "&e;", '{"ok":1,"data":',
    "\\u0000", "null", "[]", "1e999", "-0", "加微信 123456 日赚千元",
]

unicode_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=400)
hostile_text = st.lists(st.one_of(unicode_text, st.sampled_from(HOSTILE_FRAGMENTS)), max_size=12).map("".join)


@st.composite
def mutated(draw, seeds: list[bytes]) -> bytes:
    """A realistic seed with a few byte-level edits (insert, delete, overwrite, splice, truncate)."""
    data = bytearray(draw(st.sampled_from(seeds)) if seeds else b"")
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(("insert", "delete", "overwrite", "splice", "truncate")))
        at = draw(st.integers(0, len(data)))
        if op == "insert":
            data[at:at] = draw(st.one_of(st.binary(max_size=20), hostile_text.map(lambda s: s.encode("utf-8"))))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 40))]
        elif op == "overwrite" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif op == "splice":
            data[at:at] = bytes(data[draw(st.integers(0, len(data))):][:200])
        else:
            del data[at:]
    return bytes(data)


def raw_input(seeds: list[bytes]):
    return st.one_of(mutated(seeds), st.binary(max_size=300), hostile_text.map(lambda s: s.encode("utf-8")))
