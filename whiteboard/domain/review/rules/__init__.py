"""The rules, one module per category; importing this package registers them all."""

from __future__ import annotations

from whiteboard.domain.review.rules import ai, capacity, data, messaging, ops, structure

__all__ = ["ai", "capacity", "data", "messaging", "ops", "structure"]
