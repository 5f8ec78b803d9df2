"""How other formats name components, read back as palette kinds and technologies.

A foreign file says "Redis cache", `image: postgres:16`, `shape=mxgraph.aws4.lambda` or
`from diagrams.aws.compute import EC2`; this module turns such words into a kind and, where one
fits, a technology of it. The kinds and technologies themselves come from the palette (their ids
and display names are words too); this module adds only the everyday synonyms a palette cannot
know ("db", "lb", "postgres") and the home kind of a technology that several kinds share.
"""

from __future__ import annotations

import re
from functools import cache

from whiteboard.domain.board import PROTOCOLS
from whiteboard.domain.palette import KINDS, TECHS, tech_for

# A technology listed under several kinds is read as this one when nothing else says which
# (the first kind listing it otherwise): "redis" alone means a cache.
TECH_HOME = {
    "redis": "cache",
    "elasticsearch": "search_index",
    "opensearch": "search_index",
    "azure-ai-search": "search_index",
    "cloudflare": "cdn",
    "gcp-pubsub": "pubsub",
}

# Words for a kind beyond its id and display name, most telling first within a kind.
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "user": ("user", "users", "customer", "customers", "person", "people", "actor", "client", "clients"),
    "browser": ("browser", "web app", "webapp", "frontend", "front end", "spa", "web client", "ui"),
    "mobile": ("mobile", "phone", "mobile app"),
    "external_system": ("external", "third party", "partner", "saas", "internet", "cloud"),
    "dns": ("dns", "domain"),
    "cdn": ("cdn", "edge cache"),
    "load_balancer": (
        "load balancer",
        "load balancing",
        "lb",
        "balancer",
        "elb",
        "alb",
        "nlb",
        "ingress",
        "proxy",
        "reverse proxy",
    ),
    "api_gateway": ("gateway", "api gateway", "apigw"),
    "firewall": ("firewall", "waf"),
    "service": ("service", "services", "api", "app", "server", "backend", "microservice", "svc", "web", "container"),
    "worker": ("worker", "workers", "consumer", "processor", "job", "jobs", "batch"),
    "websocket_server": ("websocket", "websockets", "ws", "realtime", "socket"),
    "function": ("function", "functions", "lambda", "serverless", "faas"),
    "scheduler": ("scheduler", "cron", "cronjob", "timer"),
    "llm": ("llm", "gpt", "model", "inference", "openai", "claude", "ollama", "vllm", "language model"),
    "agent": ("agent", "agents", "bot", "assistant"),
    "orchestrator": ("orchestrator", "supervisor", "planner", "workflow"),
    "embedding_model": ("embedding", "embeddings", "embedder"),
    "tool": ("tool", "tools", "plugin"),
    "guardrail": ("guardrail", "guardrails", "moderation", "safety"),
    "human_approval": ("approval", "approver", "human"),
    "sql_db": ("database", "db", "sql", "rdbms", "relational", "postgres", "datastore", "data store"),
    "nosql_db": ("nosql", "document store", "key value", "kv", "mongo", "dynamo", "graph db"),
    "vector_db": (
        "vector",
        "vectors",
        "vectordb",
        "vector database",
        "vector db",
        "vector store",
        "weaviate",
        "milvus",
        "pinecone",
        "chroma",
        "chromadb",
    ),
    "cache": ("cache", "caching", "memcache"),
    "object_storage": ("storage", "bucket", "blob", "object store", "files", "minio", "disk"),
    "search_index": ("search", "index", "solr"),
    "queue": ("queue", "queues", "mq", "broker", "message queue", "rabbit"),
    "event_stream": ("stream", "streams", "streaming", "event bus", "redpanda", "pulsar"),
    "pubsub": ("pubsub", "pub sub", "topic", "topics", "notifications"),
    "monitoring": ("monitoring", "metrics", "monitor", "observability", "telemetry", "alerting", "tracing", "apm"),
    "logging": ("logging", "logs", "log"),
    "auth": ("auth", "authentication", "identity", "login", "oauth", "sso", "iam", "keycloak"),
    "service_discovery": ("discovery", "registry", "service registry", "mesh"),
    "secrets": ("secrets", "secret", "kms"),
}
# Kinds that say little on their own: a more specific kind named in the same text wins.
GENERIC_KINDS = frozenset({"service", "user", "external_system"})
# Words that say "some data store" without saying which: a product named beside them tells more
# ("Redis DB" is a cache, "Cosmos DB" a NoSQL database).
WEAK_WORDS = frozenset({("db",), ("database",), ("datastore",), ("data", "store"), ("storage",)})

# Names a technology goes by besides its id and display name.
TECH_WORDS: dict[str, tuple[str, ...]] = {
    "postgresql": ("postgres", "postgresql", "pg"),
    "mongodb": ("mongo",),
    "rabbitmq": ("rabbit",),
    "memcached": ("memcache",),
    "dynamodb": ("dynamo",),
    "kubernetes": ("k8s",),
    "go": ("golang",),
    "aws-alb": ("alb",),
    "aws-nlb": ("nlb",),
    "aws-lambda": ("lambda",),
    "s3": ("s3",),
    "elasticsearch": ("elastic search", "elasticsearch"),
}

_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """Lower-case alphanumeric words; camel case is split (`ElasticLoadBalancing`)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)
    return _WORD.findall(spaced.lower())


def home_kind(tech: str) -> str:
    """The kind a technology is read as when nothing else says which."""
    if tech in TECH_HOME:
        return TECH_HOME[tech]
    return next(k.id for k in KINDS.values() if tech in k.techs)


@cache
def _tech_phrases() -> list[tuple[tuple[str, ...], str]]:
    phrases: dict[tuple[str, ...], str] = {}
    for tech in TECHS.values():
        if not any(tech.id in k.techs for k in KINDS.values()):
            continue
        for text in (tech.id.replace("-", " "), tech.name, *TECH_WORDS.get(tech.id, ())):
            key = tuple(words(text))
            if key and key not in phrases:
                phrases[key] = tech.id
    # Longer phrases first: "aws lambda" before "lambda".
    return sorted(phrases.items(), key=lambda item: -len(item[0]))


@cache
def _kind_phrases() -> list[tuple[tuple[str, ...], str]]:
    phrases: list[tuple[tuple[str, ...], str]] = []
    for kind in KINDS.values():
        for text in (kind.id.replace("_", " "), kind.name, *KIND_WORDS.get(kind.id, ())):
            key = tuple(words(text))
            if key:
                phrases.append((key, kind.id))
    return sorted(phrases, key=lambda item: -len(item[0]))


def _find(tokens: list[str], phrase: tuple[str, ...]) -> int:
    """The last position where `phrase` occurs in `tokens`, or -1."""
    n = len(phrase)
    for start in range(len(tokens) - n, -1, -1):
        if tuple(tokens[start : start + n]) == phrase:
            return start
    return -1


def tech_in(tokens: list[str]) -> str | None:
    for phrase, tech in _tech_phrases():
        if _find(tokens, phrase) >= 0:
            return tech
    return None


def _kind_match(tokens: list[str]) -> tuple[str, tuple[str, ...]] | None:
    found: list[tuple[bool, int, int, str, tuple[str, ...]]] = []
    for phrase, kind in _kind_phrases():
        at = _find(tokens, phrase)
        if at >= 0:
            found.append((kind not in GENERIC_KINDS, at + len(phrase), len(phrase), kind, phrase))
    if not found:
        return None
    best = max(found)
    return best[3], best[4]


def kind_in(tokens: list[str]) -> str | None:
    """The kind the words name: a specific kind before a generic one, the last named first
    (the head of an English compound comes last: "user database" is a database), the longer
    phrase first where two end together ("vector database")."""
    match = _kind_match(tokens)
    return match[0] if match else None


def guess(text: str) -> tuple[str, str | None] | None:
    """(kind, tech) for words such as a label or a file name, or None when nothing fits."""
    tokens = words(text)
    if not tokens:
        return None
    match, tech = _kind_match(tokens), tech_in(tokens)
    kind = match[0] if match else None
    if match and tech:
        if tech_for(match[0], tech):
            return match[0], tech
        # A product named beside a word that only says "a data store" or "a service" tells
        # more ("Redis DB" is a cache); beside a telling kind word, the kind wins ("Vector
        # database" is no Vector log shipper).
        if match[0] in GENERIC_KINDS or match[1] in WEAK_WORDS:
            return home_kind(tech), tech
        return match[0], None
    if tech:
        return home_kind(tech), tech
    if kind:
        return kind, None
    return None


def protocol_from_label(label: str) -> str | None:
    """The protocol an edge label names ("gRPC", "HTTPS", "via Kafka"), if any."""
    for token in re.findall(r"[a-z0-9]+", label.lower()):
        if token in PROTOCOLS and token != "other":
            return str(token)
        if token in ("ws", "wss", "websockets"):
            return "websocket"
    return None


# -- container images ---------------------------------------------------------------------------

# Image repositories (registry and tag removed, lower case) -> (kind, tech), by the repository's
# last path part unless the whole path is listed. Checked before the words of the name.
IMAGES: dict[str, tuple[str, str | None]] = {
    "postgres": ("sql_db", "postgresql"),
    "postgis/postgis": ("sql_db", "postgresql"),
    "pgvector/pgvector": ("vector_db", "pgvector"),
    "ankane/pgvector": ("vector_db", "pgvector"),
    "mysql": ("sql_db", "mysql"),
    "mariadb": ("sql_db", "mariadb"),
    "mssql/server": ("sql_db", "mssql"),
    "cockroach": ("sql_db", "cockroachdb"),
    "clickhouse-server": ("sql_db", "clickhouse"),
    "redis": ("cache", "redis"),
    "redis-stack": ("cache", "redis"),
    "redis-stack-server": ("cache", "redis"),
    "valkey": ("cache", "redis"),
    "keydb": ("cache", "redis"),
    "memcached": ("cache", "memcached"),
    "hazelcast": ("cache", "hazelcast"),
    "mongo": ("nosql_db", "mongodb"),
    "mongodb-community-server": ("nosql_db", "mongodb"),
    "cassandra": ("nosql_db", "cassandra"),
    "scylla": ("nosql_db", "scylla"),
    "couchdb": ("nosql_db", "couchdb"),
    "couchbase": ("nosql_db", "couchbase"),
    "neo4j": ("nosql_db", "neo4j"),
    "influxdb": ("nosql_db", "influxdb"),
    "dynamodb-local": ("nosql_db", "dynamodb"),
    "qdrant": ("vector_db", "qdrant"),
    "milvus": ("vector_db", None),
    "weaviate": ("vector_db", None),
    "chroma": ("vector_db", None),
    "elasticsearch": ("search_index", "elasticsearch"),
    "opensearch": ("search_index", "opensearch"),
    "solr": ("search_index", "solr"),
    "minio": ("object_storage", None),
    "rabbitmq": ("queue", "rabbitmq"),
    "activemq-artemis": ("queue", "activemq"),
    "activemq": ("queue", "activemq"),
    "nats": ("queue", "nats"),
    "emqx": ("queue", "emqx"),
    "eclipse-mosquitto": ("queue", None),
    "elasticmq-native": ("queue", "sqs"),
    "kafka": ("event_stream", "kafka"),
    "cp-kafka": ("event_stream", "kafka"),
    "cp-server": ("event_stream", "kafka"),
    "redpanda": ("event_stream", None),
    "pulsar": ("event_stream", None),
    "zookeeper": ("service_discovery", "zookeeper"),
    "cp-zookeeper": ("service_discovery", "zookeeper"),
    "consul": ("service_discovery", "consul"),
    "etcd": ("service_discovery", "etcd"),
    "coredns": ("dns", "coredns"),
    "bind9": ("dns", "bind9"),
    "nginx": ("load_balancer", "nginx"),
    "nginx-unprivileged": ("load_balancer", "nginx"),
    "openresty": ("load_balancer", "nginx"),
    "haproxy": ("load_balancer", "haproxy"),
    "traefik": ("load_balancer", "traefik"),
    "envoy": ("load_balancer", "envoy"),
    "caddy": ("load_balancer", "caddy"),
    "kong": ("api_gateway", "kong"),
    "tyk-gateway": ("api_gateway", "tyk"),
    "prometheus": ("monitoring", "prometheus"),
    "grafana": ("monitoring", "grafana"),
    "mimir": ("monitoring", "mimir"),
    "thanos": ("monitoring", "thanos"),
    "all-in-one": ("monitoring", "jaeger"),
    "jaeger": ("monitoring", "jaeger"),
    "tempo": ("monitoring", "tempo"),
    "opentelemetry-collector": ("monitoring", None),
    "opentelemetry-collector-contrib": ("monitoring", None),
    "loki": ("logging", "loki"),
    "promtail": ("logging", "loki"),
    "fluent-bit": ("logging", "fluentbit"),
    "fluentd": ("logging", "fluentd"),
    "vector": ("logging", "vector"),
    "logstash": ("logging", "logstash"),
    "graylog": ("logging", "graylog"),
    "keycloak": ("auth", None),
    "dex": ("auth", "dex"),
    "oauth2-proxy": ("auth", "oauth2-proxy"),
    "vault": ("secrets", "vault"),
    "ollama": ("llm", None),
    "vllm-openai": ("llm", None),
    "text-generation-inference": ("llm", None),
    "text-embeddings-inference": ("embedding_model", None),
    "airflow": ("scheduler", "airflow"),
    "n8n": ("orchestrator", "n8n"),
    "flink": ("worker", "flink"),
    "spark": ("worker", "spark"),
    "centrifugo": ("websocket_server", "centrifugo"),
    "node": ("service", "nodejs"),
    "python": ("service", "python"),
    "golang": ("service", "go"),
    "openjdk": ("service", "java"),
    "eclipse-temurin": ("service", "java"),
    "elixir": ("service", "elixir"),
    "rust": ("service", "rust"),
}


def image_repository(image: str) -> str:
    """`docker.io/library/postgres:16@sha256:...` -> `postgres`; `ghcr.io/a/b:1` -> `a/b`."""
    name = image.strip().lower().split("@", 1)[0]
    parts = name.split("/")
    last = parts[-1].split(":", 1)[0]
    parts[-1] = last
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    if parts[:1] == ["library"]:
        parts = parts[1:]
    return "/".join(parts)


def guess_image(image: str) -> tuple[str, str | None] | None:
    repo = image_repository(image)
    if repo in IMAGES:
        return IMAGES[repo]
    last = repo.rsplit("/", 1)[-1]
    if last in IMAGES:
        return IMAGES[last]
    return guess(repo.replace("/", " "))


# Well-known ports of a container, for a service whose image says nothing (built from source).
PORTS: dict[int, tuple[str, str | None]] = {
    5432: ("sql_db", "postgresql"),
    3306: ("sql_db", "mysql"),
    1433: ("sql_db", "mssql"),
    6379: ("cache", "redis"),
    11211: ("cache", "memcached"),
    27017: ("nosql_db", "mongodb"),
    9042: ("nosql_db", "cassandra"),
    6333: ("vector_db", "qdrant"),
    9200: ("search_index", "elasticsearch"),
    5672: ("queue", "rabbitmq"),
    4222: ("queue", "nats"),
    9092: ("event_stream", "kafka"),
    9090: ("monitoring", "prometheus"),
    8500: ("service_discovery", "consul"),
    2379: ("service_discovery", "etcd"),
    8200: ("secrets", "vault"),
    11434: ("llm", None),
}


# -- diagrams provider modules ------------------------------------------------------------------

# The category part of a `diagrams` module path (`diagrams.<provider>.<category>`) -> the kind
# closest to what classes of that category draw, for classes the palette does not list.
DIAGRAMS_CATEGORIES: dict[str, str] = {
    "compute": "service",
    "container": "service",
    "containers": "service",
    "web": "service",
    "iot": "service",
    "devtools": "service",
    "ci": "service",
    "vcs": "external_system",
    "database": "sql_db",
    "databases": "sql_db",
    "inmemory": "cache",
    "storage": "object_storage",
    "network": "load_balancer",
    "networking": "load_balancer",
    "connectivity": "load_balancer",
    "dns": "dns",
    "cdn": "cdn",
    "security": "auth",
    "identity": "auth",
    "auth": "auth",
    "queue": "queue",
    "messaging": "queue",
    "integration": "queue",
    "analytics": "worker",
    "etl": "worker",
    "workflow": "orchestrator",
    "ml": "llm",
    "aimachinelearning": "llm",
    "ai": "llm",
    "mlops": "llm",
    "monitoring": "monitoring",
    "monitor": "monitoring",
    "management": "monitoring",
    "tracing": "monitoring",
    "logging": "logging",
    "aggregator": "logging",
    "search": "search_index",
    "client": "user",
    "mobile": "mobile",
    "general": "external_system",
    "saas": "external_system",
    "chat": "external_system",
    "payment": "external_system",
    "communication": "external_system",
}
