"""outbox lease columns; once-only audit events; the audit log made append-only in the database itself

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import sqlmodel

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION yuqing_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log (event) is append-only: % is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.add_column(sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        batch.add_column(sa.Column("claimed_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch.create_unique_constraint("uq_event_dedupe_key", ["dedupe_key"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute("CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event "
                   "FOR EACH ROW EXECUTE FUNCTION yuqing_event_append_only()")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER event_no_{action.lower()} BEFORE {action} ON event "
                       f"BEGIN SELECT RAISE(ABORT, 'the audit log (event) is append-only: {action} is not allowed'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS event_append_only ON event")
        op.execute("DROP FUNCTION IF EXISTS yuqing_event_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS event_no_update")
        op.execute("DROP TRIGGER IF EXISTS event_no_delete")
    with op.batch_alter_table("event") as batch:
        batch.drop_constraint("uq_event_dedupe_key", type_="unique")
        batch.drop_column("dedupe_key")
    with op.batch_alter_table("notification") as batch:
        batch.drop_column("claimed_until")
        batch.drop_column("claimed_by")
