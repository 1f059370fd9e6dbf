"""The migrations' tables written as declarations: one column a line, the DDL built here once.

A revision declares what it adds (tables, columns, indexes) and its upgrade and downgrade both read the
same declaration, so the two can never disagree. The statements are the ones Alembic's autogenerate
wrote when these revisions were first made: a revision already applied somewhere must keep emitting
exactly the same schema, so change a declaration only in a new revision.

A column line is ``name type [null] [pk] [fixed] [-> table.column]`` (``fixed``: an integer key the
writer always gives, built without autoincrement); the types are ``int``, ``float``,
``bool``, ``text``, ``json``, ``utc`` (a timezone-aware UTC timestamp) and ``str<N>`` (VARCHAR(N)).
Columns are NOT NULL unless marked ``null``.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlmodel
from alembic import op

_TYPES = {
    "int": sa.Integer,
    "float": sa.Float,
    "bool": sa.Boolean,
    "text": sa.Text,
    "json": sa.JSON,
    "utc": sqlmodel.sql.sqltypes.UTCDateTime,
}


@dataclass(frozen=True)
class _Column:
    name: str
    type_name: str
    nullable: bool
    primary_key: bool
    references: str | None
    fixed: bool = False  # a key the writer always gives: no sequence (PostgreSQL's SERIAL) behind it

    def build(self) -> sa.Column:
        if self.type_name.startswith("str"):
            type_ = sqlmodel.sql.sqltypes.AutoString(length=int(self.type_name[3:]))
        else:
            type_ = _TYPES[self.type_name]()
        if self.fixed:
            return sa.Column(self.name, type_, nullable=self.nullable, autoincrement=False)
        return sa.Column(self.name, type_, nullable=self.nullable)


def parse_columns(spec: str) -> list[_Column]:
    parsed = []
    for line in spec.strip().splitlines():
        words = line.split()
        name, type_name, flags = words[0], words[1], words[2:]
        references = flags[flags.index("->") + 1] if "->" in flags else None
        parsed.append(_Column(name, type_name, "null" in flags, "pk" in flags, references, "fixed" in flags))
    return parsed


def columns(spec: str) -> list[sa.Column]:
    return [column.build() for column in parse_columns(spec)]


@dataclass(frozen=True)
class Index:
    name: str
    columns: tuple[str, ...]
    unique: bool


def parse_indexes(table: str, spec: str) -> list[Index]:
    """Indexes separated by ``;`` or new lines, in creation order: the columns, a last word ``unique``
    for a unique index, and ``name:`` first where the name is not ``ix_<table>_<columns>``."""
    parsed = []
    for item in spec.replace("\n", ";").split(";"):
        name, _, columns_ = item.rpartition(":")
        words = columns_.split()
        if not words:
            continue
        unique = words[-1] == "unique"
        columns_ = tuple(words[:-1] if unique else words)
        parsed.append(Index(name.strip() or f"ix_{table}_{'_'.join(columns_)}", columns_, unique))
    return parsed


def create_indexes(table: str, spec: str) -> None:
    for ix in parse_indexes(table, spec):
        op.create_index(op.f(ix.name), table, list(ix.columns), unique=ix.unique)


def drop_row_triggers(table: str, name: str) -> None:
    """Drop the triggers `create_row_triggers` made (0010, 0013, 0014, 0015): on PostgreSQL the row
    trigger `name` and its function yuqing_<name>(), on SQLite <name>_insert, <name>_delete and <name>_update."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS yuqing_{name}()")
    else:
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}_{event}")


def lock_while_back_filling(table: str) -> None:
    """On PostgreSQL, hold writes to `table` until the migration ends, so that no row is written between
    a back-fill and the trigger that keeps it up: none missed, none counted twice."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")


def create_row_triggers(name: str, *, table: str, when: str, postgres_function: str, sqlite: list[str]) -> None:
    """The triggers that keep counts or copies up to date as `table` is written: on
    PostgreSQL the row trigger `name` fired `when` (e.g. ``AFTER INSERT OR DELETE``) calling
    `postgres_function`, which creates yuqing_<name>(); on SQLite the statements `sqlite`."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(postgres_function)
        op.execute(f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW EXECUTE FUNCTION yuqing_{name}()")
    else:
        for trigger in sqlite:
            op.execute(trigger)


def drop_columns_in_place(table: str, spec: str) -> None:
    """Drop `spec`'s columns with ALTER TABLE, not a batch: SQLite would rebuild the table and lose its
    triggers (the counts of 0010 on post, the copies of 0014 and 0015)."""
    for column in reversed(parse_columns(spec)):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column.name}")


def add_kept_columns(table: str, columns: str, indexes: str, *, back_fill: str, trigger: str, source: str,
                     when: str, postgres_function: str, sqlite: list[str]) -> None:
    """Columns of `table` copied or computed from `source` (0014, 0015): added, filled by `back_fill`
    while `source` is held still, indexed, then kept up to date by the row triggers `trigger`."""
    lock_while_back_filling(source)  # first: a writer of `source` may hold it and then wait on `table`
    add_columns(table, columns)
    op.execute(back_fill)
    create_indexes(table, indexes)
    analyze_if_kept(table)
    create_row_triggers(trigger, table=source, when=when, postgres_function=postgres_function, sqlite=sqlite)


def drop_kept_columns(table: str, columns: str, indexes: str, *, trigger: str, source: str) -> None:
    """Undo `add_kept_columns`."""
    drop_row_triggers(source, trigger)
    drop_indexes(table, indexes)
    drop_columns_in_place(table, columns)


def analyze_if_kept(table: str) -> None:
    """Planner statistics for `table`'s new indexes, in a SQLite database that keeps statistics. With
    statistics for the other indexes only, SQLite takes one without any for the most selective (an
    issue's open assignments were then read by status, every open one, instead of by issue)."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
        op.execute(f"ANALYZE {table}")


def drop_indexes(table: str, spec: str) -> None:
    for ix in reversed(parse_indexes(table, spec)):
        op.drop_index(op.f(ix.name), table_name=table)


@dataclass(frozen=True)
class Table:
    """A table: its columns, its indexes (see ``parse_indexes``) and at most one unique constraint.

    The foreign keys come from the columns' ``->`` and are written in column-name order, as autogenerate
    wrote them."""

    name: str
    spec: str
    indexes: str = ""
    unique: tuple[str, ...] = ()
    unique_name: str | None = None

    def create(self) -> None:
        parsed = parse_columns(self.spec)
        foreign_keys = [
            sa.ForeignKeyConstraint([column.name], [column.references])
            for column in sorted(parsed, key=lambda column: column.name) if column.references
        ]
        constraints = [*foreign_keys, sa.PrimaryKeyConstraint(*(c.name for c in parsed if c.primary_key))]
        if self.unique:
            constraints.append(sa.UniqueConstraint(*self.unique, name=self.unique_name))
        op.create_table(self.name, *(column.build() for column in parsed), *constraints)
        create_indexes(self.name, self.indexes)

    def drop(self) -> None:
        drop_indexes(self.name, self.indexes)
        op.drop_table(self.name)


def create_tables(tables) -> None:
    for table in tables:
        table.create()


def drop_tables(tables) -> None:
    for table in reversed(tables):
        table.drop()


def add_columns(table: str, spec: str) -> None:
    with op.batch_alter_table(table) as batch:
        for column in columns(spec):
            batch.add_column(column)


def drop_columns(table: str, spec: str) -> None:
    with op.batch_alter_table(table) as batch:
        for column in reversed(parse_columns(spec)):
            batch.drop_column(column.name)


def table_revision(tables):
    """The upgrade and downgrade of a revision that only adds ``tables``."""

    def upgrade() -> None:
        create_tables(tables)

    def downgrade() -> None:
        drop_tables(tables)

    return upgrade, downgrade
