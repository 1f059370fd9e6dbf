"""Region profiles: units, gazetteer, routing rules and SLA policy, loaded from config/ as data.

A profile is a folder ``config/profiles/NAME/`` with ``profile.yaml``, ``units.yaml``,
``routing.yaml`` and ``places.csv``. Loading validates everything; a malformed profile raises
``ConfigError`` naming the file, the entry and the problem.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from yuqing.errors import ConfigError, describe_validation, one_of
from yuqing.models import TERRITORIAL_UNIT_KINDS, UNIT_KINDS

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|wd)\s*$")


@dataclass(frozen=True)
class Duration:
    """A deadline offset: wall-clock minutes, or working days on the Chinese calendar."""

    minutes: float = 0.0
    working_days: int = 0

    @classmethod
    def parse(cls, text: str) -> Duration:
        match = _DURATION.match(str(text))
        if not match:
            raise ValueError(f"{text!r} is not a duration like 30s, 30m, 5h, 2d or 5wd")
        amount, unit = float(match.group(1)), match.group(2)
        if unit == "wd":
            if amount != int(amount):
                raise ValueError(f"{text!r}: working days must be a whole number")
            return cls(working_days=int(amount))
        return cls(minutes=amount * {"s": 1 / 60, "m": 1, "h": 60, "d": 1440}[unit])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UnitSpec(_Strict):
    code: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str = Field(min_length=1)
    kind: Annotated[str, AfterValidator(one_of(UNIT_KINDS))]
    parent: str | None = None
    jurisdiction: list[str] = []
    topics: list[str] = []
    contacts: dict[str, str] = {}
    added: bool = False
    active: bool = True

    @property
    def territorial(self) -> bool:
        return self.kind in TERRITORIAL_UNIT_KINDS


class SlaLevel(_Strict):
    name: str
    ack: str | None = None
    info: str | None = None
    press: str | None = None
    response: str | None = None

    @field_validator("ack", "info", "press", "response")
    @classmethod
    def _valid_duration(cls, value: str | None) -> str | None:
        if value is not None:
            Duration.parse(value)
        return value

    def duration(self, which: str) -> Duration | None:
        value = getattr(self, which)
        return Duration.parse(value) if value else None


class SlaPolicy(_Strict):
    reminders: list[float] = [0.5, 0.8]
    second_escalation_after: str = "24h"
    levels: dict[int, SlaLevel]

    @field_validator("levels")
    @classmethod
    def _all_levels(cls, value: dict[int, SlaLevel]) -> dict[int, SlaLevel]:
        missing = {1, 2, 3, 4} - set(value)
        if missing:
            raise ValueError(f"levels {sorted(missing)} are missing; all of 1–4 must be set")
        return value

    @field_validator("reminders")
    @classmethod
    def _fractions(cls, value: list[float]) -> list[float]:
        if any(not 0 < f < 1 for f in value):
            raise ValueError("reminders are fractions of a deadline, each between 0 and 1")
        return sorted(value)


class Triage(_Strict):
    min_topic_prob: float = Field(default=0.55, ge=0, le=1)


class ProfileMeta(_Strict):
    name: str
    display_name: str
    region_code: str
    fallback_unit: str
    propaganda_unit: str
    duty_office_unit: str
    supervisor_units: list[str] = []
    triage: Triage = Triage()
    sla: SlaPolicy


class ExplicitRule(_Strict):
    id: str
    keywords: list[str] = Field(min_length=1)
    unit: str
    co: list[str] = []


class OwnerRule(_Strict):
    topic: str
    level2: str | None = None
    unit: str


class PlaceBoundRule(_Strict):
    id: str
    # one topic, or several when the same matter is filed under more than one (物业: 城乡建设 by the
    # taxonomy, 商贸旅游 in much of the board's own labelling)
    topic: str | list[str]
    level2: str | None = None
    keywords: list[str] = []

    @field_validator("topic")
    @classmethod
    def _topics_named(cls, value: str | list[str]) -> str | list[str]:
        names = [value] if isinstance(value, str) else value
        if not names or any(not name.strip() for name in names):
            raise ValueError("topic must be a topic name or a non-empty list of topic names")
        if len(set(names)) != len(names):
            raise ValueError(f"topic lists a topic twice: {names}")
        return value

    @model_validator(mode="after")
    def _level2_of_one_topic(self) -> PlaceBoundRule:
        if self.level2 and len(self.topics) > 1:
            raise ValueError(f"level2 {self.level2!r} belongs to one topic; give a single topic with it")
        return self

    @property
    def topics(self) -> tuple[str, ...]:
        return (self.topic,) if isinstance(self.topic, str) else tuple(self.topic)


class RoutingRules(_Strict):
    explicit: list[ExplicitRule] = []
    owners: list[OwnerRule] = []
    place_bound: list[PlaceBoundRule] = []


@dataclass(frozen=True)
class Place:
    name: str
    kind: str
    street: str  # the jurisdiction (a street, district or park name) whose unit is the 属地 unit


@dataclass(frozen=True)
class Profile:
    meta: ProfileMeta
    units: dict[str, UnitSpec]
    rules: RoutingRules
    places: tuple[Place, ...]
    folder: Path

    @property
    def name(self) -> str:
        return self.meta.name

    def unit(self, code: str) -> UnitSpec:
        return self.units[code]

    def territorial_unit_for(self, jurisdiction: str) -> UnitSpec | None:
        for unit in self.units.values():
            if unit.territorial and jurisdiction in unit.jurisdiction:
                return unit
        return None


def _read_yaml(path: Path) -> Any:
    if not path.is_file():
        raise ConfigError(f"{path}: file is missing")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text: {exc}") from exc


def _validate(model: type[BaseModel], data: Any, path: Path, entry: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {entry}: {describe_validation(exc)}") from exc


def _load_units(path: Path) -> dict[str, UnitSpec]:
    data = _read_yaml(path)
    if not isinstance(data, list) or not data:
        raise ConfigError(f"{path}: must be a non-empty list of units")
    units: dict[str, UnitSpec] = {}
    for index, raw in enumerate(data, start=1):
        label = f"entry {index}" + (f" ({raw.get('code')})" if isinstance(raw, dict) and raw.get("code") else "")
        unit = _validate(UnitSpec, raw, path, label)
        if unit.code in units:
            raise ConfigError(f"{path}: {label}: unit code {unit.code!r} is used twice")
        units[unit.code] = unit
    for unit in units.values():
        if unit.parent and unit.parent not in units:
            raise ConfigError(f"{path}: unit {unit.code}: parent {unit.parent!r} is not a unit of this profile")
    return units


def _load_places(path: Path) -> tuple[Place, ...]:
    if not path.is_file():
        raise ConfigError(f"{path}: file is missing")
    places = []
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = {"name", "kind", "street"} - set(reader.fieldnames or ())
            if missing:
                raise ConfigError(f"{path}: header lacks column(s) {', '.join(sorted(missing))}")
            for line, row in enumerate(reader, start=2):
                name, kind, street = ((row.get(key) or "").strip() for key in ("name", "kind", "street"))
                if not name or not street:
                    raise ConfigError(f"{path}: line {line}: name and street must not be empty")
                places.append(Place(name=name, kind=kind, street=street))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text: {exc}") from exc
    return tuple(places)


def _check_references(folder: Path, meta: ProfileMeta, units: dict[str, UnitSpec], rules: RoutingRules, places) -> None:
    def need(code: str, where: str) -> None:
        if code not in units:
            raise ConfigError(f"{where}: unit {code!r} is not in {folder / 'units.yaml'}")

    profile_file = folder / "profile.yaml"
    for field in ("fallback_unit", "propaganda_unit", "duty_office_unit"):
        need(getattr(meta, field), f"{profile_file}: {field}")
    for code in meta.supervisor_units:
        need(code, f"{profile_file}: supervisor_units")
    routing_file = folder / "routing.yaml"
    for rule in rules.explicit:
        need(rule.unit, f"{routing_file}: explicit rule {rule.id}")
        for code in rule.co:
            need(code, f"{routing_file}: explicit rule {rule.id} (co)")
    for index, owner in enumerate(rules.owners, start=1):
        need(owner.unit, f"{routing_file}: owners entry {index} ({owner.topic})")
    jurisdictions = {j for u in units.values() if u.territorial for j in u.jurisdiction}
    for place in places:
        if place.street not in jurisdictions:
            raise ConfigError(
                f"{folder / 'places.csv'}: place {place.name}: jurisdiction {place.street!r} has no territorial unit"
            )


def load_profile(name: str | None = None, *, config_dir: Path | None = None) -> Profile:
    from yuqing.settings import get_settings

    settings = get_settings()
    folder = (config_dir or settings.config_dir) / "profiles" / (name or settings.profile)
    if not folder.is_dir():
        raise ConfigError(f"{folder}: no such profile folder")
    meta_path = folder / "profile.yaml"
    meta = _validate(ProfileMeta, _read_yaml(meta_path), meta_path, "profile")
    units = _load_units(folder / "units.yaml")
    rules_path = folder / "routing.yaml"
    rules = _validate(RoutingRules, _read_yaml(rules_path) or {}, rules_path, "rules")
    places = _load_places(folder / "places.csv")
    _check_references(folder, meta, units, rules, places)
    return Profile(meta=meta, units=units, rules=rules, places=places, folder=folder)
