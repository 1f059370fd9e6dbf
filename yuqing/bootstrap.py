"""`yuqing init`: bring a database to the current schema and load the profile and sources."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import select

from yuqing import repo
from yuqing.auth import create_user, generate_password
from yuqing.db import get_engine, session_scope
from yuqing.migrate import upgrade
from yuqing.models import User
from yuqing.profile import load_profile
from yuqing.settings import get_settings


@dataclass
class InitReport:
    database: str
    profile: str
    units: int
    sources: int
    source_problems: list[str] = field(default_factory=list)
    admin_password: str | None = None

    def describe(self) -> str:
        lines = [
            f"数据库就绪：{self.database}",
            f"地区配置 {self.profile}：{self.units} 个单位",
            f"数据源：已载入 {self.sources} 个",
        ]
        lines += [f"  跳过的数据源：{problem}" for problem in self.source_problems]
        if self.admin_password:
            lines.append(f"已创建管理员账户：admin / {self.admin_password}  （只显示这一次，请登录后修改）")
        return "\n".join(lines)


def initialise(*, profile: str | None = None, demo_url: str | None = None,
               demo_urls: dict[str, str] | None = None) -> InitReport:
    from yuqing.sources import load_sources

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url()
    upgrade(get_engine(url))
    loaded_profile = load_profile(profile)
    sources, problems = load_sources(demo_url=demo_url, demo_urls=demo_urls)
    admin_password = None
    with session_scope() as session:
        units = repo.sync_units(session, units=loaded_profile.units.values())
        for spec in sources:
            repo.upsert_source(
                session, name=spec.name, kind=spec.kind, url=spec.url, owner_unit=spec.owner_unit,
                config=spec.config_dict(), enabled=spec.enabled,
            )
        if session.exec(select(User).where(User.role == "admin")).first() is None:
            admin_password = generate_password()
            create_user(session, username="admin", password=admin_password, role="admin", display_name="管理员")
    return InitReport(
        database=_redact(url), profile=loaded_profile.name, units=units, sources=len(sources),
        source_problems=problems, admin_password=admin_password,
    )


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
