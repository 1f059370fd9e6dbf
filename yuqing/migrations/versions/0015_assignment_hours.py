"""单位回应合规 / 督查周报: each assignment carries its hours to sign for and to answer, computed by
triggers when it is written, so a period's per-unit medians read stored numbers from one index. Worked
out on every read, the date arithmetic over a month's ~30,000 assignments was most of the page's time

Revision ID: 0015
Revises: 0014
"""

from alembic import op

from yuqing.migrations._ddl import add_kept_columns, drop_kept_columns

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

COLUMNS = """
    hours_to_sign float null
    hours_to_respond float null
"""
INDEXES = "ix_assignment_hours: created_at unit_code hours_to_sign hours_to_respond"
WATCHED = ("created_at", "acknowledged_at", "responded_at")
TRIGGER = "assignment_hours"
# hours from creation to the moment (NULL while there is none), as the compliance queries computed them
SQLITE_HOURS = "(julianday({row}.{moment}) - julianday({row}.created_at)) * 24.0"
POSTGRES_HOURS = "CAST(extract(epoch FROM {row}.{moment} - {row}.created_at) AS double precision) / 3600.0"
MOMENTS = {"hours_to_sign": "acknowledged_at", "hours_to_respond": "responded_at"}


def _sqlite_set(row: str) -> str:
    return ", ".join(f"{column} = {SQLITE_HOURS.format(row=row, moment=moment)}" for column, moment in MOMENTS.items())


def _sqlite_triggers() -> list[str]:
    refresh = f"UPDATE assignment SET {_sqlite_set('NEW')} WHERE id = NEW.id"
    return [f"CREATE TRIGGER {TRIGGER}_insert AFTER INSERT ON assignment BEGIN {refresh}; END",
            f"CREATE TRIGGER {TRIGGER}_update AFTER UPDATE OF {', '.join(WATCHED)} ON assignment BEGIN {refresh}; END"]


POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION yuqing_{TRIGGER}() RETURNS trigger AS $$
BEGIN
    {' '.join(f'NEW.{column} := {POSTGRES_HOURS.format(row="NEW", moment=moment)};' for column, moment in MOMENTS.items())}
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        hours = ", ".join(f"{column} = {POSTGRES_HOURS.format(row='assignment', moment=moment)}"
                          for column, moment in MOMENTS.items())
    else:
        hours = _sqlite_set("assignment")
    add_kept_columns("assignment", COLUMNS, INDEXES, trigger=TRIGGER, source="assignment",
                     back_fill=f"UPDATE assignment SET {hours} WHERE acknowledged_at IS NOT NULL OR responded_at IS NOT NULL",
                     when=f"BEFORE INSERT OR UPDATE OF {', '.join(WATCHED)}",
                     postgres_function=POSTGRES_FUNCTION, sqlite=_sqlite_triggers())


def downgrade() -> None:
    drop_kept_columns("assignment", COLUMNS, INDEXES, trigger=TRIGGER, source="assignment")
