"""The issue page's 舆情专报 downloads: the same builder as `yuqing report --kind issue` (flows/brief.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flows.brief import issue_brief, render_docx, render_html
from yuqing.repo import Viewer


def brief_html_bytes(issue_id: int, viewer: Viewer) -> bytes:
    return render_html(issue_brief(issue_id, viewer=viewer)).encode("utf-8")


def brief_docx_bytes(issue_id: int, viewer: Viewer) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "brief.docx"
        render_docx(issue_brief(issue_id, viewer=viewer), path)
        return path.read_bytes()
