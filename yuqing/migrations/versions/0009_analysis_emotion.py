"""analysis: the emotion of a post (愤怒/恐惧/悲伤 within negative, 喜悦, 中性) and its negative
intensity (anger and fear weigh more than sadness), so the issue page and the 舆情专报 can state them

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # nullable: analyses saved before this revision never had an emotion, and must not read as 中性
    with op.batch_alter_table("analysis") as batch:
        batch.add_column(sa.Column("emotion", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True))
        batch.add_column(sa.Column("negative_intensity", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("analysis") as batch:
        batch.drop_column("negative_intensity")
        batch.drop_column("emotion")
