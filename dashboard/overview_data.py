"""The 态势概览's data: one cached bundle per time range, built from yuqing.repo aggregates, and the
street grid (a map-like view of the profile's 街道 without internet tiles)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import streamlit as st

from dashboard.common import db
from dashboard.labels import load_names
from yuqing import repo
from yuqing.models import TERRITORIAL_UNIT_KINDS
from yuqing.repo import Viewer
from yuqing.settings import get_settings

GRID_COLUMNS = 4


def board_data(who: Viewer, days: int, moment: datetime) -> dict:
    # a minute-old board is fresh enough, and every analyst opening it must not recount a million
    # posts: cached per role, range and minute (the overview is the same for every role that may read it)
    return _board(who.username, who.role, days, moment.replace(second=0, microsecond=0).isoformat(), get_settings().resolved_database_url())


@st.cache_data(ttl=60, show_spinner="正在汇总态势…", max_entries=64)
def _board(username: str, role: str, days: int, minute: str, database: str) -> dict:
    who = Viewer(username=username, role=role)
    moment = datetime.fromisoformat(minute) + timedelta(seconds=59)
    since, before = moment - timedelta(days=days), moment - timedelta(days=2 * days)
    with db() as session:
        volume = repo.post_volume(session, viewer=who, since=since, until=moment)
        current = repo.period_figures(session, viewer=who, since=since, until=moment, at=moment,
                                      posts=volume["total"])
        previous = repo.period_figures(session, viewer=who, since=before, until=since, at=moment)
        units = repo.list_units(session, active_only=False)
        names = load_names(session)
        attention = repo.attention_items(session, viewer=who, at=moment)
        hot = repo.hot_issues(session, viewer=who, since=since)
        data = {
            "current": current, "previous": previous, "volume": volume["by_day"], "sources": volume["by_source"],
            "issue_days": repo.issue_days(session, viewer=who, since=since),
            "places": repo.issue_counts_by(session, viewer=who, field="jurisdiction", since=since),
            "spikes": repo.topic_spikes(session, viewer=who, at=moment),
            "attention": attention,
            "hot": [{"id": i.id, "title": i.title, "heat": i.heat, "post_count": i.post_count, "urgency": i.urgency,
                     "place": i.jurisdiction} for i in hot],
        }
    data["sources"] = [(kind, names.source(name) if kind != "unknown" else name, n) for kind, name, n in data["sources"]]
    data["unit_names"] = {u.code: u.name for u in units}
    data["place_names"] = {u.code: (u.jurisdiction or [u.name])[0] for u in units}
    data["streets"] = [(u.code, (u.jurisdiction or [u.name])[0]) for u in units
                       if u.kind in TERRITORIAL_UNIT_KINDS and u.kind != "district" and u.active]
    return data


def place_grid(places: list[tuple[str, int]], streets: list[tuple[str, str]]) -> tuple[pd.DataFrame, int]:
    """Tiles for every street of the profile (zero ones too) and any other known place, hottest
    first, laid out row by row; and the count of issues without a place, kept off the grid."""
    counts = dict(places)
    unknown = counts.pop("未知", 0)
    names = dict(streets)
    tiles = [(names.get(code, code), counts.get(code, 0)) for code in names]
    tiles += [(code, n) for code, n in counts.items() if code not in names]
    tiles.sort(key=lambda tile: (-tile[1], tile[0]))
    if not any(n for _, n in tiles):
        return pd.DataFrame(columns=["属地", "事件数", "行", "列", "标签"]), unknown
    return pd.DataFrame([{"属地": name, "事件数": n, "行": k // GRID_COLUMNS, "列": k % GRID_COLUMNS,
                          "标签": f"{name}\n{n}"} for k, (name, n) in enumerate(tiles)]), unknown
