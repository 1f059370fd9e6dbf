"""Fixtures of the NLP tests: the shipped models loaded once per session, for both profiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp import MODEL_DIR
from yuqing.profile import load_profile

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SEED_PAGE = PROJECT_ROOT.parent / "shared" / "seed" / "000_d07f2fd156d89ef8.txt"


@pytest.fixture(scope="session")
def demo_profile():
    return load_profile("demo", config_dir=PROJECT_ROOT / "config")


@pytest.fixture(scope="session")
def licheng_profile():
    return load_profile("licheng", config_dir=PROJECT_ROOT / "config")


@pytest.fixture(scope="session")
def demo_analyzer(demo_profile):
    from nlp.analyze import Analyzer

    return Analyzer.load(demo_profile, MODEL_DIR)


@pytest.fixture(scope="session")
def licheng_analyzer(licheng_profile):
    from nlp.analyze import Analyzer

    return Analyzer.load(licheng_profile, MODEL_DIR)
