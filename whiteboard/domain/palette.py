"""The component palette (SPEC section 2): the one place that defines every kind and technology.

Each kind maps to a `diagrams` node class, so the canvas icon and the exported picture agree.
Classes are named by dotted path and imported lazily: importing `diagrams` is slow and most
callers (validation, review) only need the categories.

Kinds are drawn with neutral icons: a board says "an LLM", "a queue", "a load balancer", and a
vendor's product icon would say more than that (an LLM drawn as Bedrock reads as a commitment to
AWS, a cache drawn as ElastiCache as one to a managed service). So a kind uses a drawing that
shows no product: the concept drawings of AWS's *general* set (users, a browser, an office
building, a toolkit), the `generic` set, and OCI's line glyphs, which draw the concept (a globe
for DNS, arrows fanning out for a load balancer) with no logo or brand colour. Where the library
has no concept drawing (an LLM, an AI agent, a cache), the kind borrows an outline glyph that
carries no logo or product tile: AWS's resource glyphs of a model and of a cache node, and the
plain hexagon of Elastic's agent.

Products come in as **technologies**: a node may name one (`props.tech`), and is then drawn with
that product's own icon, with the product's `diagrams` class in the `.py` export. Every product
icon the palette used for a kind before 1.1 is a technology of that kind now, so a script drawn
with those classes still reads back as the same kinds.

The category `annotation` holds `note`: free text on the canvas, no icon and no `diagrams`
class. Notes take part in nothing that models the system (the review, the estimate, the
`diagrams` layout); an edge to or from a note is an annotation arrow and is left out with it.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

TECH_ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ANNOTATION = "annotation"
NOTE = "note"


def _split(dotted: str) -> tuple[str, str]:
    module, name = dotted.rsplit(".", 1)
    return module, name


@dataclass(frozen=True)
class Tech:
    """A concrete product, drawn with the `diagrams` library's own icon for it."""

    id: str
    name: str
    diagrams_class: str  # dotted path, e.g. "diagrams.onprem.inmemory.Redis"

    @property
    def module(self) -> str:
        return _split(self.diagrams_class)[0]

    @property
    def class_name(self) -> str:
        return _split(self.diagrams_class)[1]


@dataclass(frozen=True)
class Kind:
    id: str
    category: str
    name: str
    diagrams_class: str | None  # dotted path; None for a kind drawn as text only (a note)
    techs: tuple[str, ...] = ()  # ids into TECHS, in the order the editor lists them

    @property
    def module(self) -> str:
        return _split(self._drawn_class())[0]

    @property
    def class_name(self) -> str:
        return _split(self._drawn_class())[1]

    @property
    def drawn(self) -> bool:
        """False for kinds with no picture (notes): they have no icon and no `diagrams` class."""
        return self.diagrams_class is not None

    def _drawn_class(self) -> str:
        if self.diagrams_class is None:
            raise ValueError(f"kind {self.id!r} has no diagrams class (it is drawn as text)")
        return self.diagrams_class


CATEGORIES: dict[str, str] = {
    "client": "Clients",
    "edge": "Edge & network",
    "compute": "Compute",
    "ai": "AI",
    "data": "Data",
    "messaging": "Messaging",
    "ops": "Operations",
    ANNOTATION: "Annotations",
}

_TECHS: list[Tech] = [
    # clients
    Tech("react", "React", "diagrams.programming.framework.React"),
    Tech("angular", "Angular", "diagrams.programming.framework.Angular"),
    Tech("vue", "Vue.js", "diagrams.programming.framework.Vue"),
    Tech("svelte", "Svelte", "diagrams.programming.framework.Svelte"),
    Tech("nextjs", "Next.js", "diagrams.programming.framework.Nextjs"),
    Tech("android", "Android", "diagrams.generic.os.Android"),
    Tech("ios", "iOS", "diagrams.generic.os.IOS"),
    Tech("flutter", "Flutter", "diagrams.programming.framework.Flutter"),
    Tech("stripe", "Stripe", "diagrams.saas.payment.Stripe"),
    Tech("paypal", "PayPal", "diagrams.saas.payment.Paypal"),
    Tech("adyen", "Adyen", "diagrams.saas.payment.Adyen"),
    Tech("twilio", "Twilio", "diagrams.saas.communication.Twilio"),
    Tech("slack", "Slack", "diagrams.saas.chat.Slack"),
    Tech("teams", "Microsoft Teams", "diagrams.saas.chat.Teams"),
    Tech("zendesk", "Zendesk", "diagrams.saas.crm.Zendesk"),
    Tech("github", "GitHub", "diagrams.onprem.vcs.Github"),
    # edge & network
    Tech("route53", "Amazon Route 53", "diagrams.aws.network.Route53"),
    Tech("cloud-dns", "Google Cloud DNS", "diagrams.gcp.network.DNS"),
    Tech("azure-dns", "Azure DNS", "diagrams.azure.network.DNSZones"),
    Tech("coredns", "CoreDNS", "diagrams.onprem.dns.Coredns"),
    Tech("powerdns", "PowerDNS", "diagrams.onprem.dns.Powerdns"),
    Tech("bind9", "BIND 9", "diagrams.onprem.network.Bind9"),
    Tech("cloudflare", "Cloudflare", "diagrams.saas.cdn.Cloudflare"),
    Tech("cloudfront", "Amazon CloudFront", "diagrams.aws.network.CloudFront"),
    Tech("fastly", "Fastly", "diagrams.saas.cdn.Fastly"),
    Tech("akamai", "Akamai", "diagrams.saas.cdn.Akamai"),
    Tech("imperva", "Imperva", "diagrams.saas.cdn.Imperva"),
    Tech("cloud-cdn", "Google Cloud CDN", "diagrams.gcp.network.CDN"),
    Tech("azure-front-door", "Azure Front Door", "diagrams.azure.network.FrontDoors"),
    Tech("nginx", "NGINX", "diagrams.onprem.network.Nginx"),
    Tech("haproxy", "HAProxy", "diagrams.onprem.network.Haproxy"),
    Tech("traefik", "Traefik", "diagrams.onprem.network.Traefik"),
    Tech("envoy", "Envoy", "diagrams.onprem.network.Envoy"),
    Tech("caddy", "Caddy", "diagrams.onprem.network.Caddy"),
    Tech("aws-alb", "AWS Application Load Balancer", "diagrams.aws.network.ElbApplicationLoadBalancer"),
    Tech("aws-nlb", "AWS Network Load Balancer", "diagrams.aws.network.ElbNetworkLoadBalancer"),
    Tech("cloud-load-balancing", "Google Cloud Load Balancing", "diagrams.gcp.network.LoadBalancing"),
    Tech("azure-load-balancer", "Azure Load Balancer", "diagrams.azure.network.LoadBalancers"),
    Tech("kong", "Kong", "diagrams.onprem.network.Kong"),
    Tech("tyk", "Tyk", "diagrams.onprem.network.Tyk"),
    Tech("ambassador", "Ambassador", "diagrams.onprem.network.Ambassador"),
    Tech("ocelot", "Ocelot", "diagrams.onprem.network.Ocelot"),
    Tech("apigee", "Apigee", "diagrams.gcp.api.Apigee"),
    Tech("aws-api-gateway", "Amazon API Gateway", "diagrams.aws.network.APIGateway"),
    Tech("gcp-api-gateway", "Google API Gateway", "diagrams.gcp.api.APIGateway"),
    Tech("azure-api-management", "Azure API Management", "diagrams.azure.integration.APIManagement"),
    Tech("aws-waf", "AWS WAF", "diagrams.aws.security.WAF"),
    Tech("cloud-armor", "Google Cloud Armor", "diagrams.gcp.network.Armor"),
    Tech("azure-firewall", "Azure Firewall", "diagrams.azure.network.Firewall"),
    Tech("pfsense", "pfSense", "diagrams.onprem.network.Pfsense"),
    Tech("opnsense", "OPNsense", "diagrams.onprem.network.Opnsense"),
    # compute
    Tech("docker", "Docker", "diagrams.onprem.container.Docker"),
    Tech("kubernetes", "Kubernetes Deployment", "diagrams.k8s.compute.Deployment"),
    Tech("aws-ecs", "Amazon ECS", "diagrams.aws.compute.ElasticContainerService"),
    Tech("aws-fargate", "AWS Fargate", "diagrams.aws.compute.Fargate"),
    Tech("aws-ec2", "Amazon EC2", "diagrams.aws.compute.EC2"),
    Tech("cloud-run", "Google Cloud Run", "diagrams.gcp.compute.Run"),
    Tech("app-engine", "Google App Engine", "diagrams.gcp.compute.AppEngine"),
    Tech("azure-container-apps", "Azure Container Apps", "diagrams.azure.compute.ContainerApps"),
    Tech("spring", "Spring", "diagrams.programming.framework.Spring"),
    Tech("django", "Django", "diagrams.programming.framework.Django"),
    Tech("fastapi", "FastAPI", "diagrams.programming.framework.Fastapi"),
    Tech("flask", "Flask", "diagrams.programming.framework.Flask"),
    Tech("rails", "Ruby on Rails", "diagrams.programming.framework.Rails"),
    Tech("laravel", "Laravel", "diagrams.programming.framework.Laravel"),
    Tech("dotnet", ".NET", "diagrams.programming.framework.Dotnet"),
    Tech("phoenix", "Phoenix", "diagrams.programming.framework.Phoenix"),
    Tech("quarkus", "Quarkus", "diagrams.programming.framework.Quarkus"),
    Tech("nodejs", "Node.js", "diagrams.programming.language.Nodejs"),
    Tech("go", "Go", "diagrams.programming.language.Go"),
    Tech("java", "Java", "diagrams.programming.language.Java"),
    Tech("python", "Python", "diagrams.programming.language.Python"),
    Tech("rust", "Rust", "diagrams.programming.language.Rust"),
    Tech("elixir", "Elixir", "diagrams.programming.language.Elixir"),
    Tech("celery", "Celery", "diagrams.onprem.queue.Celery"),
    Tech("aws-batch", "AWS Batch", "diagrams.aws.compute.Batch"),
    Tech("kubernetes-job", "Kubernetes Job", "diagrams.k8s.compute.Job"),
    Tech("spark", "Apache Spark", "diagrams.onprem.analytics.Spark"),
    Tech("flink", "Apache Flink", "diagrams.onprem.analytics.Flink"),
    Tech("centrifugo", "Centrifugo", "diagrams.onprem.messaging.Centrifugo"),
    Tech("aws-lambda", "AWS Lambda", "diagrams.aws.compute.Lambda"),
    Tech("cloud-functions", "Google Cloud Functions", "diagrams.gcp.compute.Functions"),
    Tech("azure-functions", "Azure Functions", "diagrams.azure.compute.FunctionApps"),
    Tech("vercel", "Vercel Functions", "diagrams.programming.framework.Vercel"),
    Tech("eventbridge-scheduler", "Amazon EventBridge Scheduler", "diagrams.aws.integration.EventbridgeScheduler"),
    Tech("cloud-scheduler", "Google Cloud Scheduler", "diagrams.gcp.devtools.Scheduler"),
    Tech("kubernetes-cronjob", "Kubernetes CronJob", "diagrams.k8s.compute.Cronjob"),
    Tech("airflow", "Apache Airflow", "diagrams.onprem.workflow.Airflow"),
    # ai
    Tech("bedrock", "Amazon Bedrock", "diagrams.aws.ml.Bedrock"),
    Tech("azure-openai", "Azure OpenAI", "diagrams.azure.aimachinelearning.AzureOpenai"),
    Tech("vertex-ai", "Google Vertex AI", "diagrams.gcp.ml.VertexAI"),
    Tech("sagemaker", "Amazon SageMaker", "diagrams.aws.ml.Sagemaker"),
    Tech("sagemaker-model", "Amazon SageMaker model", "diagrams.aws.ml.SagemakerModel"),
    Tech("amazon-q", "Amazon Q", "diagrams.aws.ml.Q"),
    Tech("lex", "Amazon Lex", "diagrams.aws.ml.Lex"),
    Tech("dialogflow", "Dialogflow", "diagrams.gcp.ml.DialogFlowEnterpriseEdition"),
    Tech("azure-bot-service", "Azure Bot Service", "diagrams.azure.aimachinelearning.BotServices"),
    Tech("step-functions", "AWS Step Functions", "diagrams.aws.integration.StepFunctions"),
    Tech("kubeflow", "Kubeflow", "diagrams.onprem.workflow.Kubeflow"),
    Tech("azure-logic-apps", "Azure Logic Apps", "diagrams.azure.integration.LogicApps"),
    Tech("n8n", "n8n", "diagrams.saas.automation.N8N"),
    Tech("bedrock-guardrails", "Guardrails for Amazon Bedrock", "diagrams.aws.ml.Bedrock"),
    Tech("azure-content-safety", "Azure AI Content Safety", "diagrams.azure.aimachinelearning.ContentModerators"),
    Tech("comprehend", "Amazon Comprehend", "diagrams.aws.ml.Comprehend"),
    Tech("augmented-ai", "Amazon Augmented AI (A2I)", "diagrams.aws.ml.AugmentedAi"),
    # data
    Tech("postgresql", "PostgreSQL", "diagrams.onprem.database.Postgresql"),
    Tech("mysql", "MySQL", "diagrams.onprem.database.Mysql"),
    Tech("mariadb", "MariaDB", "diagrams.onprem.database.Mariadb"),
    Tech("mssql", "Microsoft SQL Server", "diagrams.onprem.database.Mssql"),
    Tech("oracle", "Oracle Database", "diagrams.onprem.database.Oracle"),
    Tech("cockroachdb", "CockroachDB", "diagrams.onprem.database.Cockroachdb"),
    Tech("clickhouse", "ClickHouse", "diagrams.onprem.database.Clickhouse"),
    Tech("duckdb", "DuckDB", "diagrams.onprem.database.Duckdb"),
    Tech("rds", "Amazon RDS", "diagrams.aws.database.RDS"),
    Tech("aurora", "Amazon Aurora", "diagrams.aws.database.Aurora"),
    Tech("cloud-sql", "Google Cloud SQL", "diagrams.gcp.database.SQL"),
    Tech("spanner", "Google Cloud Spanner", "diagrams.gcp.database.Spanner"),
    Tech("azure-sql", "Azure SQL Database", "diagrams.azure.database.SQLDatabases"),
    Tech("mongodb", "MongoDB", "diagrams.onprem.database.Mongodb"),
    Tech("cassandra", "Apache Cassandra", "diagrams.onprem.database.Cassandra"),
    Tech("scylla", "ScyllaDB", "diagrams.onprem.database.Scylla"),
    Tech("couchbase", "Couchbase", "diagrams.onprem.database.Couchbase"),
    Tech("couchdb", "Apache CouchDB", "diagrams.onprem.database.Couchdb"),
    Tech("hbase", "Apache HBase", "diagrams.onprem.database.Hbase"),
    Tech("neo4j", "Neo4j", "diagrams.onprem.database.Neo4J"),
    Tech("influxdb", "InfluxDB", "diagrams.onprem.database.Influxdb"),
    Tech("dgraph", "Dgraph", "diagrams.onprem.database.Dgraph"),
    Tech("janusgraph", "JanusGraph", "diagrams.onprem.database.Janusgraph"),
    Tech("aerospike", "Aerospike", "diagrams.onprem.inmemory.Aerospike"),
    Tech("dynamodb", "Amazon DynamoDB", "diagrams.aws.database.Dynamodb"),
    Tech("documentdb", "Amazon DocumentDB", "diagrams.aws.database.DocumentDB"),
    Tech("keyspaces", "Amazon Keyspaces", "diagrams.aws.database.KeyspacesManagedApacheCassandraService"),
    Tech("firestore", "Google Firestore", "diagrams.gcp.database.Firestore"),
    Tech("bigtable", "Google Bigtable", "diagrams.gcp.database.Bigtable"),
    Tech("cosmos-db", "Azure Cosmos DB", "diagrams.azure.database.CosmosDb"),
    Tech("qdrant", "Qdrant", "diagrams.onprem.database.Qdrant"),
    # pgvector is an extension of PostgreSQL and has no icon of its own: PostgreSQL's is its icon.
    Tech("pgvector", "PostgreSQL with pgvector", "diagrams.onprem.database.Postgresql"),
    Tech("elasticsearch", "Elasticsearch", "diagrams.elastic.elasticsearch.Elasticsearch"),
    Tech("opensearch", "Amazon OpenSearch Service", "diagrams.aws.analytics.AmazonOpensearchService"),
    Tech("azure-ai-search", "Azure AI Search", "diagrams.azure.aimachinelearning.CognitiveSearch"),
    Tech("redis", "Redis", "diagrams.onprem.inmemory.Redis"),
    Tech("memcached", "Memcached", "diagrams.onprem.inmemory.Memcached"),
    Tech("hazelcast", "Hazelcast", "diagrams.onprem.inmemory.Hazelcast"),
    Tech("elasticache-redis", "Amazon ElastiCache for Redis", "diagrams.aws.database.ElasticacheForRedis"),
    Tech("elasticache-memcached", "Amazon ElastiCache for Memcached", "diagrams.aws.database.ElasticacheForMemcached"),
    Tech("memorystore", "Google Memorystore", "diagrams.gcp.database.Memorystore"),
    Tech("azure-cache-for-redis", "Azure Cache for Redis", "diagrams.azure.database.CacheForRedis"),
    Tech("s3", "Amazon S3", "diagrams.aws.storage.SimpleStorageServiceS3"),
    Tech("gcs", "Google Cloud Storage", "diagrams.gcp.storage.GCS"),
    Tech("azure-blob-storage", "Azure Blob Storage", "diagrams.azure.storage.BlobStorage"),
    Tech("ceph", "Ceph", "diagrams.onprem.storage.Ceph"),
    Tech("digitalocean-spaces", "DigitalOcean Spaces", "diagrams.digitalocean.storage.Space"),
    Tech("solr", "Apache Solr", "diagrams.onprem.search.Solr"),
    Tech("cloudsearch", "Amazon CloudSearch", "diagrams.aws.analytics.Cloudsearch"),
    Tech("kendra", "Amazon Kendra", "diagrams.aws.ml.Kendra"),
    # messaging
    Tech("rabbitmq", "RabbitMQ", "diagrams.onprem.queue.Rabbitmq"),
    Tech("sqs", "Amazon SQS", "diagrams.aws.integration.SimpleQueueServiceSqs"),
    Tech("nats", "NATS", "diagrams.onprem.queue.Nats"),
    Tech("activemq", "Apache ActiveMQ", "diagrams.onprem.queue.Activemq"),
    Tech("zeromq", "ZeroMQ", "diagrams.onprem.queue.Zeromq"),
    Tech("emqx", "EMQX (MQTT)", "diagrams.onprem.queue.Emqx"),
    Tech("amazon-mq", "Amazon MQ", "diagrams.aws.integration.MQ"),
    Tech("cloud-tasks", "Google Cloud Tasks", "diagrams.gcp.devtools.Tasks"),
    Tech("azure-service-bus", "Azure Service Bus", "diagrams.azure.integration.ServiceBus"),
    Tech("kafka", "Apache Kafka", "diagrams.onprem.queue.Kafka"),
    Tech("kinesis", "Amazon Kinesis Data Streams", "diagrams.aws.analytics.KinesisDataStreams"),
    Tech("msk", "Amazon MSK", "diagrams.aws.analytics.ManagedStreamingForKafka"),
    Tech("event-hubs", "Azure Event Hubs", "diagrams.azure.analytics.EventHubs"),
    Tech("gcp-pubsub", "Google Cloud Pub/Sub", "diagrams.gcp.analytics.Pubsub"),
    Tech("sns", "Amazon SNS", "diagrams.aws.integration.SimpleNotificationServiceSns"),
    Tech("eventbridge", "Amazon EventBridge", "diagrams.aws.integration.Eventbridge"),
    Tech("event-grid", "Azure Event Grid", "diagrams.azure.integration.EventGridTopics"),
    # ops
    Tech("prometheus", "Prometheus", "diagrams.onprem.monitoring.Prometheus"),
    Tech("grafana", "Grafana", "diagrams.onprem.monitoring.Grafana"),
    Tech("datadog", "Datadog", "diagrams.onprem.monitoring.Datadog"),
    Tech("newrelic", "New Relic", "diagrams.onprem.monitoring.Newrelic"),
    Tech("dynatrace", "Dynatrace", "diagrams.onprem.monitoring.Dynatrace"),
    Tech("splunk", "Splunk", "diagrams.onprem.monitoring.Splunk"),
    Tech("sentry", "Sentry", "diagrams.onprem.monitoring.Sentry"),
    Tech("thanos", "Thanos", "diagrams.onprem.monitoring.Thanos"),
    Tech("mimir", "Grafana Mimir", "diagrams.onprem.monitoring.Mimir"),
    Tech("nagios", "Nagios", "diagrams.onprem.monitoring.Nagios"),
    Tech("zabbix", "Zabbix", "diagrams.onprem.monitoring.Zabbix"),
    Tech("jaeger", "Jaeger", "diagrams.onprem.tracing.Jaeger"),
    Tech("tempo", "Grafana Tempo", "diagrams.onprem.tracing.Tempo"),
    Tech("cloudwatch", "Amazon CloudWatch", "diagrams.aws.management.Cloudwatch"),
    Tech("azure-monitor", "Azure Monitor", "diagrams.azure.monitor.Monitor"),
    Tech("loki", "Grafana Loki", "diagrams.onprem.logging.Loki"),
    Tech("fluentbit", "Fluent Bit", "diagrams.onprem.logging.Fluentbit"),
    Tech("fluentd", "Fluentd", "diagrams.onprem.aggregator.Fluentd"),
    Tech("vector", "Vector", "diagrams.onprem.aggregator.Vector"),
    Tech("graylog", "Graylog", "diagrams.onprem.logging.Graylog"),
    Tech("rsyslog", "rsyslog", "diagrams.onprem.logging.Rsyslog"),
    Tech("syslog-ng", "syslog-ng", "diagrams.onprem.logging.SyslogNg"),
    Tech("elastic", "Elastic (ELK)", "diagrams.elastic.saas.Elastic"),
    Tech("logstash", "Logstash", "diagrams.elastic.elasticsearch.Logstash"),
    Tech("papertrail", "Papertrail", "diagrams.saas.logging.Papertrail"),
    Tech("cloudwatch-logs", "Amazon CloudWatch Logs", "diagrams.aws.management.CloudwatchLogs"),
    Tech("auth0", "Auth0", "diagrams.saas.identity.Auth0"),
    Tech("okta", "Okta", "diagrams.saas.identity.Okta"),
    Tech("cognito", "Amazon Cognito", "diagrams.aws.security.Cognito"),
    Tech("dex", "Dex", "diagrams.onprem.identity.Dex"),
    Tech("oauth2-proxy", "OAuth2 Proxy", "diagrams.onprem.auth.Oauth2Proxy"),
    Tech("azure-ad", "Microsoft Entra ID", "diagrams.azure.identity.ActiveDirectory"),
    Tech("consul", "Consul", "diagrams.onprem.network.Consul"),
    Tech("etcd", "etcd", "diagrams.onprem.network.Etcd"),
    Tech("zookeeper", "Apache ZooKeeper", "diagrams.onprem.network.Zookeeper"),
    Tech("istio", "Istio", "diagrams.onprem.network.Istio"),
    Tech("linkerd", "Linkerd", "diagrams.onprem.network.Linkerd"),
    Tech("cloud-map", "AWS Cloud Map", "diagrams.aws.network.CloudMap"),
    Tech("vault", "HashiCorp Vault", "diagrams.onprem.security.Vault"),
    Tech("secrets-manager", "AWS Secrets Manager", "diagrams.aws.security.SecretsManager"),
    Tech("kms", "AWS KMS", "diagrams.aws.security.KMS"),
    Tech("secret-manager", "Google Secret Manager", "diagrams.gcp.security.SecretManager"),
    Tech("key-vault", "Azure Key Vault", "diagrams.azure.security.KeyVaults"),
    Tech("kubernetes-secret", "Kubernetes Secret", "diagrams.k8s.podconfig.Secret"),
    Tech("bitwarden", "Bitwarden", "diagrams.onprem.security.Bitwarden"),
]

TECHS: dict[str, Tech] = {t.id: t for t in _TECHS}


def _kind(kind_id: str, category: str, name: str, diagrams_class: str | None, techs: str = "") -> Kind:
    """A kind with its technologies listed as the SPEC lists kinds: ids separated by spaces."""
    return Kind(kind_id, category, name, diagrams_class, tuple(techs.split()))


_KINDS: list[Kind] = [
    _kind("user", "client", "User", "diagrams.aws.general.Users"),
    _kind("browser", "client", "Browser", "diagrams.aws.general.Client", "react angular vue svelte nextjs"),
    _kind("mobile", "client", "Mobile app", "diagrams.aws.general.MobileClient", "android ios flutter"),
    _kind(
        "external_system",
        "client",
        "External system",
        "diagrams.aws.general.GenericOfficeBuilding",
        "stripe paypal adyen twilio slack teams zendesk github",
    ),
    _kind(
        "dns",
        "edge",
        "DNS",
        "diagrams.oci.connectivity.DNS",
        "route53 cloud-dns azure-dns cloudflare coredns powerdns bind9",
    ),
    _kind(
        "cdn",
        "edge",
        "CDN",
        "diagrams.oci.connectivity.CDN",
        "cloudflare cloudfront fastly akamai imperva cloud-cdn azure-front-door",
    ),
    _kind(
        "load_balancer",
        "edge",
        "Load balancer",
        "diagrams.oci.network.LoadBalancer",
        "nginx haproxy traefik envoy caddy aws-alb aws-nlb cloud-load-balancing azure-load-balancer",
    ),
    _kind(
        "api_gateway",
        "edge",
        "API gateway",
        "diagrams.oci.devops.APIGateway",
        "kong tyk ambassador envoy traefik nginx ocelot apigee aws-api-gateway gcp-api-gateway azure-api-management",
    ),
    _kind(
        "firewall",
        "edge",
        "Firewall / WAF",
        "diagrams.generic.network.Firewall",
        "aws-waf cloudflare imperva cloud-armor azure-firewall pfsense opnsense",
    ),
    _kind(
        "service",
        "compute",
        "Service",
        "diagrams.oci.compute.Container",
        "docker kubernetes aws-ecs aws-fargate cloud-run app-engine azure-container-apps"
        " spring django fastapi flask rails laravel dotnet phoenix quarkus nodejs go java python rust elixir",
    ),
    _kind(
        "worker",
        "compute",
        "Worker",
        "diagrams.oci.compute.InstancePools",
        "celery aws-batch kubernetes-job spark flink python go nodejs java",
    ),
    _kind(
        "websocket_server",
        "compute",
        "WebSocket server",
        "diagrams.onprem.compute.Server",
        "centrifugo nodejs go phoenix aws-ec2",
    ),
    _kind(
        "function",
        "compute",
        "Function",
        "diagrams.oci.compute.Functions",
        "aws-lambda cloud-functions azure-functions vercel",
    ),
    _kind(
        "scheduler",
        "compute",
        "Scheduler",
        "diagrams.oci.monitoring.Alarm",
        "eventbridge-scheduler cloud-scheduler kubernetes-cronjob airflow",
    ),
    _kind("llm", "ai", "LLM", "diagrams.aws.ml.SagemakerModel", "bedrock azure-openai vertex-ai sagemaker"),
    _kind(
        "agent",
        "ai",
        "AI agent",
        "diagrams.elastic.agent.Agent",
        "amazon-q bedrock vertex-ai lex dialogflow azure-bot-service",
    ),
    _kind(
        "orchestrator",
        "ai",
        "Orchestrator",
        "diagrams.oci.monitoring.Workflow",
        "step-functions airflow kubeflow azure-logic-apps n8n",
    ),
    _kind(
        "embedding_model",
        "ai",
        "Embedding model",
        "diagrams.oci.database.Dis",
        "sagemaker-model bedrock azure-openai vertex-ai",
    ),
    _kind(
        "tool",
        "ai",
        "Tool",
        "diagrams.aws.general.Toolkit",
        "aws-lambda cloud-functions azure-functions python nodejs n8n",
    ),
    _kind(
        "guardrail",
        "ai",
        "Guardrail",
        "diagrams.oci.network.SecurityLists",
        "bedrock-guardrails azure-content-safety comprehend",
    ),
    _kind("human_approval", "ai", "Human approval", "diagrams.aws.general.User", "augmented-ai slack teams"),
    _kind(
        "sql_db",
        "data",
        "SQL database",
        "diagrams.generic.database.SQL",
        "postgresql mysql mariadb mssql oracle cockroachdb clickhouse duckdb rds aurora cloud-sql spanner azure-sql",
    ),
    _kind(
        "nosql_db",
        "data",
        "NoSQL database",
        "diagrams.aws.general.GenericDatabase",
        "mongodb cassandra scylla couchbase couchdb hbase neo4j influxdb dgraph janusgraph aerospike"
        " dynamodb documentdb keyspaces firestore bigtable cosmos-db",
    ),
    _kind(
        "vector_db",
        "data",
        "Vector database",
        "diagrams.oci.database.DatabaseService",
        "qdrant pgvector elasticsearch opensearch redis mongodb azure-ai-search",
    ),
    _kind(
        "cache",
        "data",
        "Cache",
        "diagrams.aws.database.ElasticacheCacheNode",
        "redis memcached hazelcast aerospike elasticache-redis elasticache-memcached memorystore azure-cache-for-redis",
    ),
    _kind(
        "object_storage",
        "data",
        "Object storage",
        "diagrams.oci.storage.ObjectStorage",
        "s3 gcs azure-blob-storage ceph digitalocean-spaces",
    ),
    _kind(
        "search_index",
        "data",
        "Search index",
        "diagrams.oci.monitoring.Search",
        "elasticsearch opensearch solr cloudsearch kendra azure-ai-search",
    ),
    _kind(
        "queue",
        "messaging",
        "Queue",
        "diagrams.oci.monitoring.Queue",
        "rabbitmq sqs nats activemq celery zeromq emqx amazon-mq cloud-tasks azure-service-bus",
    ),
    _kind(
        "event_stream",
        "messaging",
        "Event stream",
        "diagrams.oci.database.Stream",
        "kafka kinesis msk event-hubs gcp-pubsub nats",
    ),
    _kind(
        "pubsub",
        "messaging",
        "Pub/sub",
        "diagrams.oci.monitoring.Events",
        "sns gcp-pubsub eventbridge event-grid nats redis emqx",
    ),
    _kind(
        "monitoring",
        "ops",
        "Monitoring",
        "diagrams.oci.monitoring.Telemetry",
        "prometheus grafana datadog newrelic dynatrace splunk sentry thanos mimir nagios zabbix jaeger tempo"
        " cloudwatch azure-monitor",
    ),
    _kind(
        "logging",
        "ops",
        "Logging",
        "diagrams.oci.governance.Logging",
        "loki fluentbit fluentd vector graylog rsyslog syslog-ng elastic logstash papertrail datadog splunk"
        " cloudwatch-logs",
    ),
    _kind("auth", "ops", "Auth", "diagrams.oci.security.IDAccess", "auth0 okta cognito dex oauth2-proxy azure-ad"),
    _kind(
        "service_discovery",
        "ops",
        "Service discovery",
        "diagrams.oci.connectivity.Backbone",
        "consul etcd zookeeper coredns istio linkerd cloud-map",
    ),
    _kind(
        "secrets",
        "ops",
        "Secrets",
        "diagrams.oci.security.Vault",
        "vault secrets-manager kms secret-manager key-vault kubernetes-secret bitwarden",
    ),
    _kind(NOTE, ANNOTATION, "Note", None),
]

KINDS: dict[str, Kind] = {k.id: k for k in _KINDS}


def category_of(kind: str) -> str:
    """The category of a kind id; KeyError for an unknown kind."""
    return KINDS[kind].category


def is_annotation(kind: str) -> bool:
    """Whether nodes of this kind annotate the board rather than model the system (notes)."""
    return KINDS[kind].category == ANNOTATION


def kinds_by_category() -> dict[str, list[Kind]]:
    grouped: dict[str, list[Kind]] = {c: [] for c in CATEGORIES}
    for k in _KINDS:
        grouped[k.category].append(k)
    return grouped


def techs_of(kind: str) -> list[Tech]:
    return [TECHS[t] for t in KINDS[kind].techs]


def tech_for(kind: str, tech: object) -> Tech | None:
    """The technology a node of `kind` names in `props.tech`, if it is one of the kind's."""
    if isinstance(tech, str) and tech in KINDS[kind].techs:
        return TECHS[tech]
    return None


def drawing_class(kind: str, tech: object = None) -> str:
    """The dotted `diagrams` class a node is drawn with: its technology's, else its kind's."""
    chosen = tech_for(kind, tech)
    return chosen.diagrams_class if chosen else KINDS[kind]._drawn_class()


def class_by_path(dotted: str) -> Any:
    """Import a `diagrams` node class by its dotted path (imports `diagrams` on first use)."""
    module, name = _split(dotted)
    return getattr(importlib.import_module(module), name)


def node_class(kind: str, tech: object = None) -> Any:
    """The `diagrams` node class for a kind, or for the technology a node of it names."""
    return class_by_path(drawing_class(kind, tech))


@cache
def class_icon_path(dotted: str) -> Path:
    """The icon file that ships inside the `diagrams` package for a node class."""
    cls = class_by_path(dotted)
    package_root = Path(importlib.import_module("diagrams").__file__ or "").resolve().parent.parent
    icon: Path = package_root / cls._icon_dir / cls._icon
    return icon


def icon_path(kind: str, tech: object = None) -> Path:
    """The icon file of a kind, or of the technology a node of it names."""
    return class_icon_path(drawing_class(kind, tech))
