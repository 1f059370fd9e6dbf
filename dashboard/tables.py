"""Tables that lead to action: a row click opens its issue, deadlines marked red (passed) or amber
(close), integer chart axes. Shared by the list pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pandas as pd
import streamlit as st

from dashboard.common import open_issue

RED, AMBER = "🔴", "🟠"  # marks in the deadline text: a text mark costs nothing to draw, a Styler ~8 ms a page
SOON = timedelta(hours=2)  # amber when the next deadline is this close


def selected_id(event, ids: Sequence[int]) -> int | None:
    """The id of the row the user clicked in a single-row selectable st.dataframe, if any."""
    rows = getattr(getattr(event, "selection", None), "rows", None) or []
    return int(ids[rows[0]]) if rows and 0 <= rows[0] < len(ids) else None


def issue_table(frame: pd.DataFrame, ids: Sequence[int], *, key: str,
                **column_config) -> None:
    """A table whose row click opens that row's issue (no dropdown and button)."""
    event = st.dataframe(frame, hide_index=True, width="stretch", key=key, on_select="rerun",
                         selection_mode="single-row", column_config=column_config or None)
    chosen = selected_id(event, ids)
    if chosen is not None:
        open_issue(chosen)


def deadline_mark(due: datetime | None, at: datetime, *, soon: timedelta = SOON) -> str:
    """The mark that leads a deadline's text: red once passed, amber within `soon`, none otherwise."""
    if due is None or due - at >= soon:
        return ""
    return f"{RED} " if due < at else f"{AMBER} "


def integer_axis(field: str, largest: float | int | None, **kwargs) -> dict:
    """A quantitative Vega-Lite encoding of whole counts: no 0.5 posts on a small chart."""
    top = int(largest or 0)
    axis = {"format": "d", "tickMinStep": 1} | ({"values": list(range(0, top + 1))} if top <= 6 else {})
    return {"field": field, "type": "quantitative", "axis": axis, **kwargs}


def chart(frame: pd.DataFrame, spec: dict, *, key: str, **kwargs) -> None:
    """A chart from a plain Vega-Lite spec: the same chart Altair would send, without building and
    validating Altair objects on every render (most of a cached 态势概览's time, bench/dashboard.py)."""
    st.vega_lite_chart(frame, spec, width="stretch", key=key, **kwargs)


def marked(segments: Sequence[tuple[str, bool]]) -> str:
    """A snippet as plain text with the matched terms in 【】 (for a table cell: no markup at all)."""
    return "".join(f"【{text}】" if hit else text for text, hit in segments)


def highlighted(segments: Sequence[tuple[str, bool]]) -> str:
    """A snippet as inert markdown with the matched terms highlighted; every segment is escaped, so
    untrusted text never becomes a link, an image or HTML."""
    from dashboard.common import md_escape

    return "".join(f":orange-background[{md_escape(text)}]" if hit else md_escape(text) for text, hit in segments)
