"""dashboard: assignments counted from indexes alone: a period's assignments with every column the
compliance page, the weekly report and the overview's overdue count read (counts, on-time rule,
medians), in period order and in unit order (whichever the planner takes, it never fetches a row);
and the open ones with their deadlines for the overdue list's count and order. The period index
replaces 0010's narrower ix_assignment_created_overdue

Revision ID: 0011
Revises: 0010
"""

from alembic import op

from yuqing.migrations._ddl import analyze_if_kept, create_indexes, drop_indexes

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ASSIGNMENT_INDEXES = (
    "ix_assignment_period: created_at status acknowledged_at ack_due response_due press_due unit_code responded_at;"
    " ix_assignment_unit_period: unit_code created_at status acknowledged_at responded_at ack_due response_due press_due;"
    " ix_assignment_open_deadlines: status acknowledged_at ack_due response_due press_due created_at"
)
REPLACED = ("ix_assignment_created_overdue",
            ["created_at", "status", "acknowledged_at", "ack_due", "response_due", "press_due"])


def upgrade() -> None:
    op.drop_index(REPLACED[0], table_name="assignment")
    create_indexes("assignment", ASSIGNMENT_INDEXES)
    analyze_if_kept("assignment")


def downgrade() -> None:
    drop_indexes("assignment", ASSIGNMENT_INDEXES)
    op.create_index(REPLACED[0], "assignment", REPLACED[1], unique=False)
