"""Board templates: the demo boards in fixtures/, offered to every account as a start."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from whiteboard.domain.board import parse_board_json


@dataclass(frozen=True)
class Starter:
    id: str  # the fixture's file name without .json
    name: str
    description: str
    node_count: int

    def document(self) -> dict[str, Any]:
        return _documents()[self.id]


@functools.cache
def _documents() -> dict[str, dict[str, Any]]:
    folder = Path(settings.BASE_DIR, "fixtures")
    return {path.stem: parse_board_json(path.read_bytes()) for path in sorted(folder.glob("*.json"))}


def starters() -> list[Starter]:
    """Every template, the showcase (the multi-agent squad) first, then by name."""
    found = [Starter(key, doc["name"], doc["description"], len(doc["nodes"])) for key, doc in _documents().items()]
    return sorted(found, key=lambda s: (s.id != "multi_agent_squad", s.name))


def starter(template_id: str) -> Starter | None:
    return next((s for s in starters() if s.id == template_id), None)
