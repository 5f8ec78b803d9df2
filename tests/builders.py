"""Small builders for test data: boards are made in code, fixtures/ holds only the demo boards."""

from __future__ import annotations

import copy
from typing import Any


def node(node_id: str, kind: str = "service", **fields: Any) -> dict[str, Any]:
    return {"id": node_id, "kind": kind, **fields}


def edge(edge_id: str, source: str, target: str, **fields: Any) -> dict[str, Any]:
    return {"id": edge_id, "source": source, "target": target, **fields}


def board(
    nodes: list[dict[str, Any]] | None = None, edges: list[dict[str, Any]] | None = None, **fields: Any
) -> dict[str, Any]:
    doc: dict[str, Any] = {"format": "archboard/1", "nodes": nodes or [], "edges": edges or []}
    doc.update(fields)
    return doc


def sample_board(name: str = "Sample") -> dict[str, Any]:
    """A small valid board in the shape of the SPEC example: gateway, agent, queue, database."""
    return copy.deepcopy(
        {
            "format": "archboard/1",
            "name": name,
            "description": "a small board for tests",
            "direction": "LR",
            "nodes": [
                {"id": "users", "kind": "user", "label": "Users", "x": 0, "y": 80},
                {
                    "id": "gw",
                    "kind": "api_gateway",
                    "label": "API Gateway",
                    "x": 120,
                    "y": 80,
                    "group": "edge",
                    "props": {"replicas": 2, "rate_limited": True},
                },
                {"id": "super", "kind": "orchestrator", "label": "Super Agent", "x": 300, "y": 80},
                {"id": "q", "kind": "queue", "label": "Tasks", "x": 480, "y": 80},
                {"id": "dev", "kind": "agent", "label": "Dev agent", "x": 660, "y": 80},
                {"id": "db", "kind": "sql_db", "label": "Postgres", "x": 840, "y": 80, "props": {"replicas": 2}},
            ],
            "edges": [
                {"id": "e1", "source": "users", "target": "gw", "label": "HTTPS", "props": {"protocol": "https"}},
                {"id": "e2", "source": "gw", "target": "super", "props": {"protocol": "grpc"}},
                {"id": "e3", "source": "super", "target": "q", "props": {"protocol": "amqp", "async": True}},
                {"id": "e4", "source": "q", "target": "dev", "props": {"protocol": "amqp", "async": True}},
                {"id": "e5", "source": "dev", "target": "db", "props": {"protocol": "sql"}},
            ],
            "groups": [{"id": "edge", "label": "Edge", "parent": None}],
        }
    )
