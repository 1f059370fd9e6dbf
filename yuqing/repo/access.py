"""Who may see what: the `Viewer` and the role rules every query of the package applies (here, not
only in the pages)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from yuqing.errors import AccessDenied
from yuqing.models import Assignment, Issue

# the roles that read every unit's issues and assignments, and those that may change issues
SEES_EVERYTHING = ("analyst", "supervisor", "admin", "system")
EDITS_ISSUES = ("analyst", "admin", "system")


@dataclass(frozen=True)
class Viewer:
    """Who is asking. Flows act as ``Viewer.system(name)``; dashboard users as their role and unit."""

    username: str
    role: str
    unit_code: str | None = None

    @classmethod
    def system(cls, name: str) -> Viewer:
        return cls(username=f"flow:{name}", role="system")

    @property
    def sees_everything(self) -> bool:
        return self.role in SEES_EVERYTHING

    @property
    def may_edit_issues(self) -> bool:
        return self.role in EDITS_ISSUES


def _visible_issue_ids_for_unit(unit_code: str):
    return select(Assignment.issue_id).where(Assignment.unit_code == unit_code)


def _restrict_issues(statement, viewer: Viewer):
    if viewer.sees_everything:
        return statement
    if viewer.role == "unit" and viewer.unit_code:
        return statement.where(col(Issue.id).in_(_visible_issue_ids_for_unit(viewer.unit_code)))
    return statement.where(False)  # an unknown role sees nothing rather than everything


def _restrict_assignments(statement, viewer: Viewer):
    if viewer.sees_everything:
        return statement
    if viewer.role == "unit" and viewer.unit_code:
        return statement.where(Assignment.unit_code == viewer.unit_code)
    return statement.where(False)


def _require_overview(viewer: Viewer) -> None:
    if not viewer.sees_everything:
        raise AccessDenied(f"用户 {viewer.username} 无权查看全区态势")
