"""What runs a board's components: container images, ports, health checks and connection settings.

The Compose and Kubernetes exports share this table. A data, messaging or edge component runs a
real image of its technology (or of its kind when it names none: PostgreSQL for a SQL database,
Redis for a cache, Qdrant for a vector database, ...), with a health check the image can run and
the environment it needs to start alone. Services, workers and agents are the board author's own
code: they get a build placeholder. A component that calls another is handed the address of it in
the variable programs expect (`DATABASE_URL`, `REDIS_URL`, `AMQP_URL`, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from whiteboard.domain.palette import NOTE, category_of


@dataclass(frozen=True)
class Runtime:
    image: str | None  # None: built from the author's source (a placeholder)
    port: int
    health: tuple[str, ...] = ()  # a Compose `test` (CMD or CMD-SHELL form); empty: none the image can run
    env: dict[str, str] = field(default_factory=dict)
    command: tuple[str, ...] = ()
    url: str = "http://{host}:{port}"  # how a caller reaches it
    url_var: str = ""  # the variable a caller reads it from, when there is a convention
    stateful: bool = False


def _tcp(port: int) -> tuple[str, ...]:
    return ("CMD-SHELL", f"bash -c ':> /dev/tcp/127.0.0.1/{port}' || exit 1")


POSTGRES = Runtime(
    "postgres:16-alpine",
    5432,
    ("CMD-SHELL", "pg_isready -U postgres"),
    {"POSTGRES_PASSWORD": "postgres", "POSTGRES_DB": "app"},
    url="postgresql://postgres:postgres@{host}:{port}/app",
    url_var="DATABASE_URL",
    stateful=True,
)
REDIS = Runtime(
    "redis:7-alpine",
    6379,
    ("CMD", "redis-cli", "ping"),
    url="redis://{host}:{port}/0",
    url_var="REDIS_URL",
    stateful=True,
)
MYSQL = Runtime(
    "mysql:8.4",
    3306,
    ("CMD", "mysqladmin", "ping", "-h", "127.0.0.1"),
    {"MYSQL_ROOT_PASSWORD": "mysql", "MYSQL_DATABASE": "app"},
    url="mysql://root:mysql@{host}:{port}/app",
    url_var="DATABASE_URL",
    stateful=True,
)
MARIADB = Runtime(
    "mariadb:11",
    3306,
    ("CMD", "healthcheck.sh", "--connect", "--innodb_initialized"),
    {"MARIADB_ROOT_PASSWORD": "mariadb", "MARIADB_DATABASE": "app"},
    url="mysql://root:mariadb@{host}:{port}/app",
    url_var="DATABASE_URL",
    stateful=True,
)
MONGO = Runtime(
    "mongo:7",
    27017,
    ("CMD", "mongosh", "--quiet", "--eval", "db.adminCommand('ping')"),
    url="mongodb://{host}:{port}/app",
    url_var="MONGODB_URL",
    stateful=True,
)
QDRANT = Runtime("qdrant/qdrant:v1.12.4", 6333, _tcp(6333), url_var="QDRANT_URL", stateful=True)
PGVECTOR = Runtime(
    "pgvector/pgvector:pg16",
    5432,
    ("CMD-SHELL", "pg_isready -U postgres"),
    {"POSTGRES_PASSWORD": "postgres", "POSTGRES_DB": "app"},
    url="postgresql://postgres:postgres@{host}:{port}/app",
    url_var="DATABASE_URL",
    stateful=True,
)
ELASTICSEARCH = Runtime(
    "docker.elastic.co/elasticsearch/elasticsearch:8.15.3",
    9200,
    ("CMD-SHELL", "curl -fs http://127.0.0.1:9200/_cluster/health || exit 1"),
    {"discovery.type": "single-node", "xpack.security.enabled": "false", "ES_JAVA_OPTS": "-Xms512m -Xmx512m"},
    url_var="ELASTICSEARCH_URL",
    stateful=True,
)
OPENSEARCH = Runtime(
    "opensearchproject/opensearch:2.17.1",
    9200,
    ("CMD-SHELL", "curl -fs http://127.0.0.1:9200/_cluster/health || exit 1"),
    {"discovery.type": "single-node", "DISABLE_SECURITY_PLUGIN": "true"},
    url_var="OPENSEARCH_URL",
    stateful=True,
)
MINIO = Runtime(
    "minio/minio:RELEASE.2024-10-13T13-34-11Z",
    9000,
    ("CMD", "mc", "ready", "local"),
    {"MINIO_ROOT_USER": "minio", "MINIO_ROOT_PASSWORD": "minio-secret"},
    ("server", "/data"),
    url_var="S3_ENDPOINT_URL",
    stateful=True,
)
RABBITMQ = Runtime(
    "rabbitmq:3.13-management-alpine",
    5672,
    ("CMD", "rabbitmq-diagnostics", "-q", "ping"),
    url="amqp://guest:guest@{host}:{port}/",
    url_var="AMQP_URL",
    stateful=True,
)
NATS = Runtime(
    "nats:2.10-alpine", 4222, ("CMD", "nats-server", "--help"), url="nats://{host}:{port}", url_var="NATS_URL"
)
MEMCACHED = Runtime("memcached:1.6-alpine", 11211, url="{host}:{port}", url_var="MEMCACHED_SERVERS")
NGINX = Runtime("nginx:1.27-alpine", 80, ("CMD", "wget", "-q", "--spider", "http://127.0.0.1/"))
PROMETHEUS = Runtime(
    "prom/prometheus:v2.54.1", 9090, ("CMD", "wget", "-q", "--spider", "http://127.0.0.1:9090/-/ready")
)
GRAFANA = Runtime("grafana/grafana:11.2.2", 3000, ("CMD", "wget", "-q", "--spider", "http://127.0.0.1:3000/api/health"))
LOKI = Runtime(
    "grafana/loki:3.2.0", 3100, ("CMD", "wget", "-q", "--spider", "http://127.0.0.1:3100/ready"), url_var="LOKI_URL"
)
JAEGER = Runtime(
    "jaegertracing/all-in-one:1.62.0", 16686, url="http://{host}:4318", url_var="OTEL_EXPORTER_OTLP_ENDPOINT"
)
CONSUL = Runtime("hashicorp/consul:1.20", 8500, ("CMD", "consul", "members"), url_var="CONSUL_HTTP_ADDR")
ETCD = Runtime(
    "quay.io/coreos/etcd:v3.5.16",
    2379,
    ("CMD", "etcdctl", "endpoint", "health"),
    {"ETCD_LISTEN_CLIENT_URLS": "http://0.0.0.0:2379", "ETCD_ADVERTISE_CLIENT_URLS": "http://127.0.0.1:2379"},
    url_var="ETCD_ENDPOINTS",
)
VAULT = Runtime(
    "hashicorp/vault:1.18",
    8200,
    ("CMD", "vault", "status", "-address=http://127.0.0.1:8200"),
    {"VAULT_DEV_ROOT_TOKEN_ID": "dev-root-token"},
    ("server", "-dev", "-dev-listen-address=0.0.0.0:8200"),
    url_var="VAULT_ADDR",
)
KEYCLOAK = Runtime(
    "quay.io/keycloak/keycloak:26.0",
    8080,
    env={"KC_BOOTSTRAP_ADMIN_USERNAME": "admin", "KC_BOOTSTRAP_ADMIN_PASSWORD": "admin"},
    command=("start-dev",),
    url_var="OIDC_ISSUER_URL",
)
COREDNS = Runtime("coredns/coredns:1.11.3", 53, url="{host}:{port}", url_var="DNS_SERVER")
OLLAMA = Runtime("ollama/ollama:0.3.14", 11434, ("CMD", "ollama", "list"), url_var="LLM_BASE_URL", stateful=True)


def _kafka(host: str) -> Runtime:
    # A single KRaft broker that other containers reach by its service name.
    return Runtime(
        "apache/kafka:3.8.0",
        9092,
        (
            "CMD-SHELL",
            "/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server 127.0.0.1:9092 > /dev/null 2>&1",
        ),
        {
            "KAFKA_NODE_ID": "1",
            "KAFKA_PROCESS_ROLES": "broker,controller",
            "KAFKA_LISTENERS": "PLAINTEXT://:9092,CONTROLLER://:9093",
            "KAFKA_ADVERTISED_LISTENERS": f"PLAINTEXT://{host}:9092",
            "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
            "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "KAFKA_CONTROLLER_QUORUM_VOTERS": f"1@{host}:9093",
            "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
        },
        url="{host}:{port}",
        url_var="KAFKA_BOOTSTRAP_SERVERS",
        stateful=True,
    )


TECH_RUNTIMES: dict[str, Runtime] = {
    "postgresql": POSTGRES,
    "rds": POSTGRES,
    "aurora": POSTGRES,
    "cloud-sql": POSTGRES,
    "cockroachdb": POSTGRES,
    "mysql": MYSQL,
    "mariadb": MARIADB,
    "redis": REDIS,
    "elasticache-redis": REDIS,
    "memorystore": REDIS,
    "azure-cache-for-redis": REDIS,
    "memcached": MEMCACHED,
    "elasticache-memcached": MEMCACHED,
    "mongodb": MONGO,
    "documentdb": MONGO,
    "qdrant": QDRANT,
    "pgvector": PGVECTOR,
    "elasticsearch": ELASTICSEARCH,
    "opensearch": OPENSEARCH,
    "rabbitmq": RABBITMQ,
    "amazon-mq": RABBITMQ,
    "nats": NATS,
    "nginx": NGINX,
    "prometheus": PROMETHEUS,
    "grafana": GRAFANA,
    "loki": LOKI,
    "jaeger": JAEGER,
    "consul": CONSUL,
    "etcd": ETCD,
    "vault": VAULT,
    "coredns": COREDNS,
}
KIND_RUNTIMES: dict[str, Runtime] = {
    "sql_db": POSTGRES,
    "nosql_db": MONGO,
    "vector_db": QDRANT,
    "cache": REDIS,
    "object_storage": MINIO,
    "search_index": ELASTICSEARCH,
    "queue": RABBITMQ,
    "pubsub": NATS,
    "load_balancer": NGINX,
    "api_gateway": NGINX,
    "cdn": NGINX,
    "firewall": NGINX,
    "dns": COREDNS,
    "monitoring": PROMETHEUS,
    "logging": LOKI,
    "auth": KEYCLOAK,
    "service_discovery": CONSUL,
    "secrets": VAULT,
    "llm": OLLAMA,
    "embedding_model": OLLAMA,
}
BUILT = Runtime(None, 8080)


def runtime_of(kind: str, tech: str | None, host: str) -> Runtime:
    """How a component runs: its technology's image, else its kind's, else built from source."""
    if tech in ("kafka", "msk") or (kind == "event_stream" and tech in (None, "kinesis", "event-hubs", "gcp-pubsub")):
        return _kafka(host)
    if tech in TECH_RUNTIMES:
        return TECH_RUNTIMES[tech]
    return KIND_RUNTIMES.get(kind, BUILT)


def runs(kind: str) -> bool:
    """Whether a component is a process to run: not a client (someone else's) nor a note."""
    return kind != NOTE and category_of(kind) != "client"


def is_dependency(kind: str) -> bool:
    """Infrastructure a caller waits for: data, messaging, and what ops provides."""
    return category_of(kind) in ("data", "messaging", "ops") or kind in ("llm", "embedding_model")


def env_name(host: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", host.upper()).strip("_") or "SERVICE"


def wiring(callers: dict[str, list[tuple[str, Runtime]]]) -> dict[str, dict[str, str]]:
    """The environment each caller gets: the address of every component it calls. A conventional
    name (`DATABASE_URL`) when it calls one such component, `<NAME>_URL` otherwise."""
    result: dict[str, dict[str, str]] = {}
    for caller, targets in callers.items():
        env: dict[str, str] = {}
        counts: dict[str, int] = {}
        for _, runtime in targets:
            if runtime.url_var:
                counts[runtime.url_var] = counts.get(runtime.url_var, 0) + 1
        for host, runtime in targets:
            url = runtime.url.format(host=host, port=runtime.port)
            if runtime.url_var and counts[runtime.url_var] == 1:
                env[runtime.url_var] = url
            env[f"{env_name(host)}_URL"] = url
        result[caller] = env
    return result
