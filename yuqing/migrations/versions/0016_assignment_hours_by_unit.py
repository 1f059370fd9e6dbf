"""单位回应合规 / 督查周报: each unit's median hours read as the middle of an index in hours order, not
by fetching every assignment's hours. Per unit and kind (to sign for, to answer) the middle one or two
rows of a period are one short range of (unit_code, hours, created_at); fetching a month's ~34,000
stored hours and taking their medians in Python was most of the page's time with its cache cleared

Revision ID: 0016
Revises: 0015
"""

from yuqing.migrations._ddl import analyze_if_kept, create_indexes, drop_indexes

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

OLD = "ix_assignment_hours: created_at unit_code hours_to_sign hours_to_respond"
NEW = ("ix_assignment_sign_hours: unit_code hours_to_sign created_at; "
       "ix_assignment_respond_hours: unit_code hours_to_respond created_at")


def upgrade() -> None:
    drop_indexes("assignment", OLD)
    create_indexes("assignment", NEW)
    analyze_if_kept("assignment")


def downgrade() -> None:
    drop_indexes("assignment", NEW)
    create_indexes("assignment", OLD)
