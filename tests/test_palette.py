"""The palette of SPEC section 2: fixed kind ids, diagrams classes, technologies, icons served from
the package, and the palette API."""

from __future__ import annotations

import pytest
from django.test import Client

from whiteboard.domain import palette

SPEC_KINDS = {
    "client": "user browser mobile external_system",
    "edge": "dns cdn load_balancer api_gateway firewall",
    "compute": "service worker websocket_server function scheduler",
    "ai": "llm agent orchestrator embedding_model tool guardrail human_approval",
    "data": "sql_db nosql_db vector_db cache object_storage search_index",
    "messaging": "queue event_stream pubsub",
    "ops": "monitoring logging auth service_discovery secrets",
    "annotation": "note",
}

# SPEC section 2's examples of technologies, as far as the diagrams library has icons for them.
SPEC_TECH_EXAMPLES = {
    "cache": "redis memcached",
    "queue": "rabbitmq sqs nats",
    "event_stream": "kafka kinesis",
    "sql_db": "postgresql mysql",
    "vector_db": "qdrant pgvector",
}

# The classes of the 1.0 palette: each is still its kind's class or one of its technologies, so a
# script drawn with them reads back as the same kinds.
CLASSES_1_0 = {
    "user": "diagrams.aws.general.Users",
    "browser": "diagrams.aws.general.Client",
    "mobile": "diagrams.aws.general.MobileClient",
    "external_system": "diagrams.aws.general.GenericOfficeBuilding",
    "dns": "diagrams.aws.network.Route53",
    "cdn": "diagrams.aws.network.CloudFront",
    "load_balancer": "diagrams.aws.network.ElbApplicationLoadBalancer",
    "api_gateway": "diagrams.aws.network.APIGateway",
    "firewall": "diagrams.aws.security.WAF",
    "service": "diagrams.aws.compute.ElasticContainerService",
    "worker": "diagrams.aws.compute.Batch",
    "websocket_server": "diagrams.aws.compute.EC2",
    "function": "diagrams.aws.compute.Lambda",
    "scheduler": "diagrams.aws.integration.EventbridgeScheduler",
    "llm": "diagrams.aws.ml.Bedrock",
    "agent": "diagrams.aws.ml.Q",
    "orchestrator": "diagrams.aws.integration.StepFunctions",
    "embedding_model": "diagrams.aws.ml.SagemakerModel",
    "tool": "diagrams.aws.general.Toolkit",
    "sql_db": "diagrams.aws.database.RDS",
    "nosql_db": "diagrams.aws.database.Dynamodb",
    "vector_db": "diagrams.aws.analytics.AmazonOpensearchService",
    "cache": "diagrams.aws.database.ElasticacheForRedis",
    "object_storage": "diagrams.aws.storage.SimpleStorageServiceS3",
    "search_index": "diagrams.aws.analytics.Cloudsearch",
    "queue": "diagrams.aws.integration.SimpleQueueServiceSqs",
    "event_stream": "diagrams.aws.analytics.ManagedStreamingForKafka",
    "pubsub": "diagrams.aws.integration.SimpleNotificationServiceSns",
    "monitoring": "diagrams.aws.management.Cloudwatch",
    "logging": "diagrams.aws.management.CloudwatchLogs",
    "auth": "diagrams.aws.security.Cognito",
    "service_discovery": "diagrams.aws.network.CloudMap",
    "secrets": "diagrams.aws.security.SecretsManager",
}

# Product icons that no kind may use as its own (vendors are technologies only).
VENDOR_PROVIDERS = ("diagrams.aws.", "diagrams.gcp.", "diagrams.azure.")


def test_every_spec_kind_is_in_its_category():
    for category, kinds in SPEC_KINDS.items():
        for kind in kinds.split():
            assert palette.category_of(kind) == category


def test_every_drawn_kind_maps_to_a_diagrams_node_class_with_an_icon_in_the_package():
    from diagrams import Node

    for kind in palette.KINDS:
        if kind == "note":
            continue
        cls = palette.node_class(kind)
        assert issubclass(cls, Node)
        path = palette.icon_path(kind)
        assert path.is_file() and "site-packages" in str(path)


def test_a_note_has_no_class_and_no_icon():
    note = palette.KINDS["note"]
    assert note.drawn is False and note.diagrams_class is None and note.techs == ()
    assert palette.is_annotation("note") and not palette.is_annotation("service")
    with pytest.raises(ValueError, match="drawn as text"):
        palette.icon_path("note")


def test_every_tech_resolves_to_a_diagrams_class_and_an_icon_file_in_the_package():
    from diagrams import Node

    for tech in palette.TECHS.values():
        assert palette.TECH_ID_RE.fullmatch(tech.id), tech.id
        cls = palette.class_by_path(tech.diagrams_class)
        assert issubclass(cls, Node), tech.id
        path = palette.class_icon_path(tech.diagrams_class)
        assert path.is_file() and "site-packages" in str(path), tech.id


def test_every_tech_a_kind_lists_exists_and_is_listed_once():
    listed = set()
    for kind in palette.KINDS.values():
        assert len(set(kind.techs)) == len(kind.techs), kind.id
        assert set(kind.techs) <= set(palette.TECHS), kind.id
        listed |= set(kind.techs)
    assert listed == set(palette.TECHS), "a technology no kind lists"


def test_a_tech_icon_differs_from_its_kind_icon():
    for kind in palette.KINDS.values():
        for tech in palette.techs_of(kind.id):
            assert palette.icon_path(kind.id, tech.id).read_bytes() != palette.icon_path(kind.id).read_bytes(), (
                kind.id,
                tech.id,
            )


def test_no_kind_is_drawn_with_a_cloud_vendors_product_icon_except_through_a_tech():
    # AWS's *general* set is concept art (users, a client, a toolkit), and its outline resource
    # glyphs carry no product tile; everything else from a cloud vendor is a technology.
    allowed = {"diagrams.aws.general.", "diagrams.aws.ml.SagemakerModel", "diagrams.aws.database.ElasticacheCacheNode"}
    for kind in palette.KINDS.values():
        if kind.diagrams_class and kind.diagrams_class.startswith(VENDOR_PROVIDERS):
            assert kind.diagrams_class.startswith(tuple(allowed)), kind.id


def test_every_1_0_class_is_still_its_kinds_class_or_one_of_its_techs():
    for kind, dotted in CLASSES_1_0.items():
        classes = {palette.KINDS[kind].diagrams_class} | {t.diagrams_class for t in palette.techs_of(kind)}
        assert dotted in classes, kind


def test_the_spec_examples_of_techs_belong_to_their_kinds():
    for kind, techs in SPEC_TECH_EXAMPLES.items():
        assert set(techs.split()) <= set(palette.KINDS[kind].techs), kind


def test_a_node_with_a_tech_is_drawn_with_the_tech_class_and_without_one_with_the_kind_class():
    assert palette.drawing_class("cache", "redis") == "diagrams.onprem.inmemory.Redis"
    assert palette.drawing_class("cache") == palette.KINDS["cache"].diagrams_class
    assert palette.tech_for("sql_db", "redis") is None


@pytest.mark.django_db
def test_icons_are_served_as_png():
    response = Client().get("/palette/icons/llm.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


@pytest.mark.django_db
def test_tech_icons_are_served_as_png_from_the_package():
    response = Client().get("/palette/icons/tech/redis.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    body = b"".join(response.streaming_content)
    assert body == palette.class_icon_path("diagrams.onprem.inmemory.Redis").read_bytes()


@pytest.mark.django_db
def test_an_unknown_icon_is_404():
    assert Client().get("/palette/icons/nope.png").status_code == 404
    assert Client().get("/palette/icons/..%2Fsettings.png").status_code == 404
    assert Client().get("/palette/icons/note.png").status_code == 404
    assert Client().get("/palette/icons/tech/nope.png").status_code == 404
    assert Client().get("/palette/icons/tech/..%2Fredis.png").status_code == 404


@pytest.mark.django_db
def test_the_palette_api_serves_categories_kinds_and_techs_with_icon_urls():
    client = Client()
    body = client.get("/api/palette").json()
    categories = {c["id"]: c for c in body["categories"]}
    assert list(categories) == list(SPEC_KINDS)
    kinds = {k["id"]: k for c in body["categories"] for k in c["kinds"]}
    assert set(kinds) == set(palette.KINDS)
    cache = kinds["cache"]
    assert cache["category"] == "data" and cache["diagrams_class"] == palette.KINDS["cache"].diagrams_class
    assert cache["icon"].endswith("/palette/icons/cache.png")
    redis = next(t for t in cache["techs"] if t["id"] == "redis")
    assert redis == {
        "id": "redis",
        "name": "Redis",
        "icon": "http://testserver/palette/icons/tech/redis.png",
        "diagrams_class": "diagrams.onprem.inmemory.Redis",
    }
    assert [t["id"] for t in cache["techs"]] == list(palette.KINDS["cache"].techs)
    assert kinds["note"]["icon"] is None and kinds["note"]["diagrams_class"] is None and kinds["note"]["techs"] == []
    for kind in kinds.values():
        for tech in kind["techs"]:
            assert client.get(tech["icon"].removeprefix("http://testserver")).status_code == 200
