"""Place → jurisdiction: a gazetteer match (streets, communities, roads, landmarks, institutions)
over the region profile, longest name first, mapped to the territorial unit of its street."""

from __future__ import annotations

import re
from dataclasses import dataclass

from yuqing.profile import Profile


@dataclass(frozen=True)
class PlaceMatch:
    places: tuple[str, ...]
    jurisdiction: str | None  # the territorial unit code (street office, district government)
    street: str | None


class Gazetteer:
    def __init__(self, profile: Profile) -> None:
        self._street_of: dict[str, str] = {}
        for place in profile.places:
            self._street_of.setdefault(place.name, place.street)
        for unit in profile.units.values():
            if unit.territorial:
                for name in unit.jurisdiction:
                    self._street_of.setdefault(name, name)
        self._unit_of = {street: (profile.territorial_unit_for(street).code if profile.territorial_unit_for(street) else None)
                         for street in set(self._street_of.values())}
        names = sorted(self._street_of, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, names))) if names else None

    @property
    def names(self) -> list[str]:
        return list(self._street_of)

    def match(self, text: str) -> PlaceMatch:
        if not text or self._pattern is None:
            return PlaceMatch((), None, None)
        found: list[str] = []
        for hit in self._pattern.finditer(text):
            if hit.group(0) not in found:
                found.append(hit.group(0))
        if not found:
            return PlaceMatch((), None, None)
        # the most specific place decides: the one whose street is named most often, ties to the first seen
        streets = [self._street_of[name] for name in found]
        street = max(streets, key=lambda s: (streets.count(s), -streets.index(s)))
        return PlaceMatch(tuple(found[:10]), self._unit_of.get(street), street)
