"""The dashboard's server process: `streamlit run`, started so that the first page comes up fast.

Two things Streamlit would otherwise do on the path to the first page:
- At start it reads the metadata of every installed distribution (about 190 here, ~1 s of CPU) looking
  for third-party "v2" components. The board uses none (only Streamlit's own elements), so that scan
  is skipped. Streamlit has no setting for this; if its internals move, the patch does nothing and the
  scan simply runs.
- The first page a user opens imports pandas, altair and the repository layer and builds its first
  chart (altair loads and compiles the Vega-Lite schema): 1–2 s in the first request. A background
  thread does that work while the server starts and the browser loads the front end and the login
  page, so the analyst's first page finds it done. It imports and builds; it reads nothing a user sees.
  Then the objects it made are frozen out of the garbage collector's full passes (`warm_up_and_freeze`).

Run as `python -m dashboard.serve run dashboard/app.py [streamlit options]` (dashboard/launch.py).
"""

from __future__ import annotations

import sys
import threading


def skip_component_scan() -> bool:
    """Make Streamlit's v2 component discovery a no-op; False if Streamlit no longer has it."""
    try:
        from streamlit.components.v2.component_manager import BidiComponentManager
    except ImportError:
        return False
    if not hasattr(BidiComponentManager, "discover_and_register_components"):
        return False

    def discover_nothing(self, *, start_file_watching: bool = True) -> None:
        return None

    BidiComponentManager.discover_and_register_components = discover_nothing
    return True


def warm_up() -> bool:
    """Do the first pages' one-off work off the request path, in the order a user needs it: what the
    login page needs (the repository layer, the database pool, argon2), then what the first board
    needs (pandas, pyarrow, altair and its schema, Streamlit's emoji pattern, one chart of each kind).
    False if a step failed (the work is then left to the first request)."""
    try:
        import dashboard.common  # noqa: F401 - the repository layer, models and labels
        import yuqing.auth  # noqa: F401
        from yuqing.db import get_engine

        with get_engine().connect() as connection:  # the pool's first connection
            connection.exec_driver_sql("SELECT 1")
        from sqlalchemy.orm import configure_mappers

        configure_mappers()

        import altair as alt
        import pandas as pd
        import pyarrow as pa
        from streamlit.string_util import extract_leading_emoji

        import dashboard.overview_data  # noqa: F401
        import dashboard.tables  # noqa: F401

        extract_leading_emoji("近7天")  # compiles Streamlit's emoji pattern (a quarter of a second)
        frame = pd.DataFrame({"日期": pd.to_datetime(["2026-01-01", "2026-01-02"]), "新帖": [1, 2], "类": ["a", "b"]})
        pa.Table.from_pandas(frame)  # what st.dataframe sends
        x = alt.X("日期:T", title=None, axis=alt.Axis(format="%m-%d"))
        tooltip = ["日期:T", alt.Tooltip("新帖:Q", format=".0%")]
        line = alt.Chart(frame).mark_line(point=True).encode(
            x=x, y=alt.Y("新帖:Q", scale=alt.Scale(domain=[0, 1])), tooltip=tooltip)
        grid = alt.layer(alt.Chart(frame).mark_rect().encode(x=alt.X("类:O"), color=alt.Color("新帖:Q", legend=None)),
                         alt.Chart(frame).mark_text().encode(x=alt.X("类:O"), text="类:N"))
        bars = alt.Chart(frame).mark_bar().encode(y=alt.Y("类:N", sort="-x"), x=alt.X("新帖:Q"))
        for chart in (line, grid, bars):
            chart.to_dict()  # the Vega-Lite schema loaded and its validators built
    except Exception:  # noqa: BLE001 - a warm-up that fails only leaves the work to the first request
        return False
    return True


def warm_up_and_freeze() -> None:
    """The warm-up, then every object alive so far (modules, schemas, compiled patterns: kept for the
    life of the process anyway) moved out of the garbage collector's sight. Streamlit runs a full
    collection after every script run (runner.postScriptGC); over the ~200,000 objects of pandas,
    altair and SQLAlchemy that took 0.2–0.3 s a run, on every page for every user; frozen, 3 µs."""
    warm_up()
    import gc

    gc.freeze()


def main() -> None:
    threading.Thread(target=warm_up_and_freeze, name="dashboard-warm-up", daemon=True).start()
    skip_component_scan()
    from streamlit.web import cli

    sys.exit(cli.main(prog_name="streamlit"))


if __name__ == "__main__":
    main()
