"""Editing a region profile's files from the admin page: the new text is validated by loading the
whole profile (yuqing.profile, the same code the product runs) from a scratch copy; only a profile
that loads is written back, atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from yuqing.errors import BadInput
from yuqing.profile import Profile, load_profile
from yuqing.settings import get_settings

EDITABLE = {"profile.yaml": "时限与基本设置", "routing.yaml": "路由规则", "units.yaml": "单位与联系人"}


def profile_folder(name: str | None = None) -> Path:
    return get_settings().profile_dir(name)


def read_profile_file(filename: str, *, name: str | None = None) -> str:
    _check(filename)
    return (profile_folder(name) / filename).read_text(encoding="utf-8")


def _check(filename: str) -> None:
    if filename not in EDITABLE:
        raise BadInput(f"「{filename}」不能在此编辑")


def save_profile_file(filename: str, text: str, *, name: str | None = None) -> Profile:
    """Validate and save; raises ConfigError (naming file, entry and problem) and writes nothing when invalid."""
    _check(filename)
    folder = profile_folder(name)
    with tempfile.TemporaryDirectory(prefix="yuqing-profile-") as scratch:
        copy = Path(scratch) / "profiles" / folder.name
        shutil.copytree(folder, copy)
        (copy / filename).write_text(text, encoding="utf-8")
        load_profile(folder.name, config_dir=Path(scratch))
    target = folder / filename
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{filename}.")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, target)
    return load_profile(folder.name, config_dir=folder.parent.parent)
