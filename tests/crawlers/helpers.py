"""Helpers of the crawler tests: register sources in the test database, read what was stored."""

from __future__ import annotations

from sqlmodel import select

from yuqing import repo
from yuqing.db import session_scope
from yuqing.models import Post, Source
from yuqing.sources import SourceSpec, load_sources


def register_demo_sources(demo_url: str, **config_overrides) -> list[SourceSpec]:
    specs, problems = load_sources(demo_url=demo_url)
    assert problems == []
    demo = [s for s in specs if s.name.startswith("demo_")]
    register(demo, **config_overrides)
    return demo


def register(specs, **config_overrides) -> None:
    with session_scope() as session:
        for spec in specs:
            config = {**spec.config_dict(), **config_overrides}
            repo.upsert_source(session, name=spec.name, kind=spec.kind, url=spec.url, owner_unit=spec.owner_unit,
                               config=config, enabled=spec.enabled)


def add_source(name: str, kind: str, url: str, config: dict, owner_unit: str | None = None) -> SourceSpec:
    spec = SourceSpec(name=name, kind=kind, url=url, config=config, owner_unit=owner_unit)
    register([spec])
    return spec


def stored_posts(source: str | None = None) -> list[Post]:
    with session_scope() as session:
        statement = select(Post).order_by(Post.id)
        if source:
            statement = statement.join(Source, Source.id == Post.source_id).where(Source.name == source)
        return list(session.exec(statement).all())


def external_ids(source: str | None = None) -> list[str]:
    return sorted(p.external_id for p in stored_posts(source))
