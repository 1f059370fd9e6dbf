"""Site watch: the clean fingerprint (baseline) of each watched page of the district's websites."""

from __future__ import annotations

from sqlmodel import Session, select

from yuqing.clock import now
from yuqing.models import SiteBaseline


def site_baseline(session: Session, *, source_id: int, url: str) -> SiteBaseline | None:
    return session.exec(
        select(SiteBaseline).where(SiteBaseline.source_id == source_id, SiteBaseline.url == url)
    ).first()


def save_site_baseline(session: Session, *, source_id: int, url: str, fingerprint: dict) -> SiteBaseline:
    """Set (or roll forward) the clean fingerprint of a watched page."""
    baseline = site_baseline(session, source_id=source_id, url=url)
    if baseline is None:
        baseline = SiteBaseline(source_id=source_id, url=url)
    baseline.fingerprint = dict(fingerprint)
    baseline.checked_at = now()
    session.add(baseline)
    session.flush()
    return baseline
