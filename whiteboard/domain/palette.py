"""The component palette (SPEC section 2): the one place that defines every kind.

Each kind maps to a `diagrams` node class, so the canvas icon and the exported picture agree.
Classes are named by dotted path and imported lazily: importing `diagrams` is slow and most
callers (validation, review) only need the categories.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Kind:
    id: str
    category: str
    name: str
    diagrams_class: str  # dotted path, e.g. "diagrams.aws.network.APIGateway"

    @property
    def module(self) -> str:
        return self.diagrams_class.rsplit(".", 1)[0]

    @property
    def class_name(self) -> str:
        return self.diagrams_class.rsplit(".", 1)[1]


CATEGORIES: dict[str, str] = {
    "client": "Clients",
    "edge": "Edge & network",
    "compute": "Compute",
    "ai": "AI",
    "data": "Data",
    "messaging": "Messaging",
    "ops": "Operations",
}

_KINDS: list[Kind] = [
    Kind("user", "client", "User", "diagrams.aws.general.Users"),
    Kind("browser", "client", "Browser", "diagrams.aws.general.Client"),
    Kind("mobile", "client", "Mobile app", "diagrams.aws.general.MobileClient"),
    Kind("external_system", "client", "External system", "diagrams.aws.general.GenericOfficeBuilding"),
    Kind("dns", "edge", "DNS", "diagrams.aws.network.Route53"),
    Kind("cdn", "edge", "CDN", "diagrams.aws.network.CloudFront"),
    Kind("load_balancer", "edge", "Load balancer", "diagrams.aws.network.ElbApplicationLoadBalancer"),
    Kind("api_gateway", "edge", "API gateway", "diagrams.aws.network.APIGateway"),
    Kind("firewall", "edge", "Firewall / WAF", "diagrams.aws.security.WAF"),
    Kind("service", "compute", "Service", "diagrams.aws.compute.ElasticContainerService"),
    Kind("worker", "compute", "Worker", "diagrams.aws.compute.Batch"),
    Kind("websocket_server", "compute", "WebSocket server", "diagrams.aws.compute.EC2"),
    Kind("function", "compute", "Function", "diagrams.aws.compute.Lambda"),
    Kind("scheduler", "compute", "Scheduler", "diagrams.aws.integration.EventbridgeScheduler"),
    Kind("llm", "ai", "LLM", "diagrams.aws.ml.Bedrock"),
    Kind("agent", "ai", "AI agent", "diagrams.aws.ml.Q"),
    Kind("orchestrator", "ai", "Orchestrator", "diagrams.aws.integration.StepFunctions"),
    Kind("embedding_model", "ai", "Embedding model", "diagrams.aws.ml.SagemakerModel"),
    Kind("tool", "ai", "Tool", "diagrams.aws.general.Toolkit"),
    Kind("sql_db", "data", "SQL database", "diagrams.aws.database.RDS"),
    Kind("nosql_db", "data", "NoSQL database", "diagrams.aws.database.Dynamodb"),
    Kind("vector_db", "data", "Vector database", "diagrams.aws.analytics.AmazonOpensearchService"),
    Kind("cache", "data", "Cache", "diagrams.aws.database.ElasticacheForRedis"),
    Kind("object_storage", "data", "Object storage", "diagrams.aws.storage.SimpleStorageServiceS3"),
    Kind("search_index", "data", "Search index", "diagrams.aws.analytics.Cloudsearch"),
    Kind("queue", "messaging", "Queue", "diagrams.aws.integration.SimpleQueueServiceSqs"),
    Kind("event_stream", "messaging", "Event stream", "diagrams.aws.analytics.ManagedStreamingForKafka"),
    Kind("pubsub", "messaging", "Pub/sub", "diagrams.aws.integration.SimpleNotificationServiceSns"),
    Kind("monitoring", "ops", "Monitoring", "diagrams.aws.management.Cloudwatch"),
    Kind("logging", "ops", "Logging", "diagrams.aws.management.CloudwatchLogs"),
    Kind("auth", "ops", "Auth", "diagrams.aws.security.Cognito"),
    Kind("service_discovery", "ops", "Service discovery", "diagrams.aws.network.CloudMap"),
    Kind("secrets", "ops", "Secrets", "diagrams.aws.security.SecretsManager"),
]

KINDS: dict[str, Kind] = {k.id: k for k in _KINDS}


def category_of(kind: str) -> str:
    """The category of a kind id; KeyError for an unknown kind."""
    return KINDS[kind].category


def kinds_by_category() -> dict[str, list[Kind]]:
    grouped: dict[str, list[Kind]] = {c: [] for c in CATEGORIES}
    for k in _KINDS:
        grouped[k.category].append(k)
    return grouped


def node_class(kind: str) -> Any:
    """The `diagrams` node class for a kind (imports `diagrams` on first use)."""
    k = KINDS[kind]
    return getattr(importlib.import_module(k.module), k.class_name)


@cache
def icon_path(kind: str) -> Path:
    """The icon file that ships inside the `diagrams` package for this kind."""
    cls = node_class(kind)
    package_root = Path(importlib.import_module("diagrams").__file__ or "").resolve().parent.parent
    return package_root / cls._icon_dir / cls._icon
