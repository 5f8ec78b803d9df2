"""Capacity and redundancy: replicas, quorums and the single instances that all the work waits on."""

from __future__ import annotations

from whiteboard.domain.review.registry import rules_of

rule = rules_of("capacity")
