"""What one pass of a response step did, as counts and the one-line summary the flows print."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import ClassVar


@dataclass
class Tally:
    """Counts of a pass; a subclass declares them as int fields and ``summary``, a format over their names."""

    summary: ClassVar[str]

    def describe(self) -> str:
        return self.summary.format(**asdict(self))
