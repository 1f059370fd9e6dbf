"""Model versions: which trained model of each kind the pipeline runs (the system page's 模型版本)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from yuqing.models import ModelVersion


def register_model_version(
    session: Session, *, kind: str, version: str, data_hash: str, metrics: dict, path: str
) -> ModelVersion:
    """Record a model version of `kind` (once per version) and make it the active one of its kind."""
    row = session.exec(
        select(ModelVersion).where(ModelVersion.kind == kind, ModelVersion.version == version)
    ).first()
    if row is None:
        try:
            with session.begin_nested():
                row = ModelVersion(kind=kind, version=version, data_hash=data_hash, metrics=metrics, path=path)
                session.add(row)
        except IntegrityError:  # another process registered it first
            row = session.exec(
                select(ModelVersion).where(ModelVersion.kind == kind, ModelVersion.version == version)
            ).one()
    for other in session.exec(select(ModelVersion).where(ModelVersion.kind == kind)).all():
        other.active = other is row
        session.add(other)
    row.active = True
    session.add(row)
    session.flush()
    return row


def list_model_versions(session: Session) -> Sequence[ModelVersion]:
    return session.exec(select(ModelVersion).order_by(ModelVersion.kind, col(ModelVersion.created_at).desc())).all()


def register_model_cards(session: Session, *, cards: Mapping, model_dir: Path) -> list[ModelVersion]:
    """Register the models a model folder holds, from their cards (kind → card with version,
    data_sha256 and metrics): what the analyse stage loads, or what `yuqing train` just saved there.
    Idempotent: a version already registered is only marked active again, nothing is written twice."""
    return [register_model_version(
        session, kind=kind, version=card.version, data_hash=card.data_sha256,
        # the headline figures; the per-class table stays in the card next to the model
        metrics={name: value for name, value in card.metrics.items() if isinstance(value, (int, float))},
        path=str(model_dir / f"{kind}.joblib"),
    ) for kind, card in sorted(cards.items())]
