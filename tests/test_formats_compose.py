"""Docker Compose (whiteboard/domain/formats/compose.py): files with every construct read into
boards, located errors, YAML bombs refused, and exports that follow the compose-spec schema and
are runnable as they are."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from tests.format_boards import boards
from whiteboard.domain.board import validate_board
from whiteboard.domain.errors import BoardError
from whiteboard.domain.formats import export_text, import_board
from whiteboard.domain.formats.runtime import runs
from whiteboard.domain.formats.yamlsafe import MAX_EXPANDED

DATA = Path(__file__).parent / "formats"
FIXTURES = sorted((Path(__file__).resolve().parent.parent / "fixtures").glob("*.json"))


def compose_schema() -> dict[str, Any]:
    """The compose-spec JSON schema, as check-jsonschema ships it for offline use."""
    vendored = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    return json.loads(vendored.read_text(encoding="utf-8"))


SCHEMA = compose_schema()
VALIDATOR = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)


def warned(result: Any, loc: str, words: str) -> bool:
    return any(w["loc"] == loc and words in w["msg"] for w in result.warnings)


def test_a_compose_file_reads_images_builds_dependencies_networks_and_replicas() -> None:
    result = import_board((DATA / "compose" / "shop.yaml").read_bytes(), filename="shop.yaml")
    doc = result.board
    assert doc["name"] == "shop"
    groups = {g["id"]: g["label"] for g in doc["groups"]}
    nodes = {n["label"]: (n["kind"], n["props"].get("tech"), groups.get(n.get("group"))) for n in doc["nodes"]}
    assert nodes == {
        "web": ("service", None, "frontend"),
        "api": ("service", None, "frontend"),
        "worker": ("worker", "python", "backend"),
        "db": ("sql_db", "postgresql", "backend"),
        "cache": ("cache", "redis", "backend"),
        "queue": ("queue", "rabbitmq", "backend"),
        "vectors": ("vector_db", "qdrant", None),
        "stream": ("event_stream", "kafka", None),
        "proxy": ("load_balancer", "nginx", None),
        "documents": ("nosql_db", "mongodb", None),
        "reports": ("sql_db", "mysql", None),
        "search": ("search_index", "elasticsearch", None),
        "blobs": ("object_storage", None, None),
        "mystery": ("cache", "redis", None),
    }
    replicas = {n["label"]: n["props"].get("replicas") for n in doc["nodes"]}
    assert replicas["worker"] == 3 and replicas["api"] is None
    labels = {n["id"]: n["label"] for n in doc["nodes"]}
    edges = sorted((labels[e["source"]], labels[e["target"]]) for e in doc["edges"])
    assert edges == [
        ("api", "cache"),  # depends_on, the mapping form
        ("api", "db"),
        ("api", "search"),  # only the environment names it
        ("proxy", "web"),
        ("web", "api"),  # depends_on, the list form
        ("worker", "queue"),
        ("worker", "vectors"),
    ]
    assert warned(result, "services.api.environment.SEARCH_URL", "an edge to 'search' read from SEARCH_URL")
    assert warned(result, "line 18", "on 2 networks")
    assert warned(result, "line 69", "read as cache from its port 6379")
    assert warned(result, "line 66", "image 'minio/minio:latest' read as object_storage")


@pytest.mark.parametrize(
    ("name", "loc", "words"),
    [
        ("compose/not_compose.yaml", "services", "needs a `services` mapping"),
        ("compose/bad_yaml.yaml", "line 4", "not valid YAML"),
        ("compose/bad_service.yaml", "line 2", "must be a mapping"),
        ("hostile/alias_bomb.yaml", "line 1", f"expands to more than {MAX_EXPANDED} values"),
        ("hostile/python_object.yaml", "line 3", "could not determine a constructor"),
    ],
)
def test_a_file_it_cannot_read_is_refused_with_its_place(name: str, loc: str, words: str) -> None:
    with pytest.raises(BoardError) as info:
        import_board((DATA / name).read_bytes(), fmt="compose")
    assert info.value.errors[0]["loc"] == loc, info.value.errors
    assert words in info.value.errors[0]["msg"]


def test_deep_nesting_is_refused_not_a_crash() -> None:
    with pytest.raises(BoardError) as info:
        import_board("services: " + "[" * 5000 + "]" * 5000, fmt="compose")
    assert "nests too deeply" in info.value.errors[0]["msg"]


def exported(doc: dict[str, Any]) -> dict[str, Any]:
    return yaml.safe_load(export_text(doc, "compose.yaml"))


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_every_demo_board_exports_a_compose_file_the_spec_accepts(fixture: Path) -> None:
    errors = sorted(VALIDATOR.iter_errors(exported(validate_board(json.loads(fixture.read_text())))), key=str)
    assert errors == [], [e.message for e in errors[:5]]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(boards())
def test_every_export_follows_the_compose_spec_and_can_start(doc: dict[str, Any]) -> None:
    compose = exported(doc)
    errors = list(VALIDATOR.iter_errors(compose))
    assert errors == [], [e.message for e in errors[:5]]
    services = compose["services"]
    assert len(services) == sum(1 for n in doc["nodes"] if runs(n["kind"]))
    # depends_on names services of the file, waits for health only where there is a check, and
    # has no cycle (Compose refuses one).
    after = {name: set(s.get("depends_on", {})) for name, s in services.items()}
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services
            healthy = "healthcheck" in services[dependency]
            assert condition["condition"] == ("service_healthy" if healthy else "service_started")
        assert "image" in service or "build" in service
    seen: set[str] = set()
    while len(seen) < len(after):
        ready = [n for n in after if n not in seen and after[n] <= seen]
        assert ready, "a dependency cycle"
        seen |= set(ready)


def shop_board() -> dict[str, Any]:
    return validate_board(
        {
            "format": "archboard/1",
            "name": "Shop",
            "nodes": [
                {"id": "u", "kind": "browser", "label": "Shoppers"},
                {"id": "lb", "kind": "load_balancer", "label": "Edge", "props": {"tech": "nginx"}},
                {"id": "api", "kind": "service", "label": "API", "group": "app", "props": {"replicas": 3}},
                {"id": "agent", "kind": "agent", "label": "Support agent", "group": "app"},
                {"id": "db", "kind": "sql_db", "label": "Orders", "props": {"tech": "rds"}},
                {"id": "cache", "kind": "cache", "label": "Sessions"},
                {"id": "q", "kind": "queue", "label": "Jobs"},
                {"id": "w", "kind": "worker", "label": "Mailer"},
                {"id": "s", "kind": "event_stream", "label": "Events"},
            ],
            "edges": [
                {"id": "e1", "source": "u", "target": "lb", "props": {"protocol": "https"}},
                {"id": "e2", "source": "lb", "target": "api"},
                {"id": "e3", "source": "api", "target": "db", "props": {"protocol": "sql"}},
                {"id": "e4", "source": "api", "target": "cache"},
                {"id": "e5", "source": "api", "target": "q", "props": {"async": True}},
                {"id": "e6", "source": "q", "target": "w", "props": {"async": True}},
                {"id": "e7", "source": "agent", "target": "api", "label": "tools"},
                {"id": "e8", "source": "api", "target": "s"},
            ],
            "groups": [{"id": "app", "label": "Application"}],
        }
    )


def test_the_export_runs_real_images_with_health_checks_and_wires_the_callers() -> None:
    compose = exported(shop_board())
    services = compose["services"]
    assert set(services) == {"lb", "api", "agent", "db", "cache", "q", "w", "s"}  # the browser does not run
    assert services["db"]["image"].startswith("postgres:") and "pg_isready" in " ".join(
        services["db"]["healthcheck"]["test"]
    )
    assert (
        services["cache"]["image"].startswith("redis:") and services["cache"]["healthcheck"]["test"][1] == "redis-cli"
    )
    assert services["q"]["image"].startswith("rabbitmq:") and services["s"]["image"].startswith("apache/kafka:")
    assert services["s"]["environment"]["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://s:9092"
    assert services["api"]["build"] == {"context": "./api"} and services["agent"]["build"] == {"context": "./agent"}
    assert services["api"]["deploy"] == {"replicas": 3}
    env = services["api"]["environment"]
    assert env["DATABASE_URL"] == "postgresql://postgres:postgres@db:5432/app"
    assert env["REDIS_URL"] == "redis://cache:6379/0" and env["AMQP_URL"] == "amqp://guest:guest@q:5672/"
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "s:9092"
    assert services["agent"]["environment"]["API_URL"] == "http://api:8080"
    # Who waits for whom: callers for what they call; a consumer for the queue it reads.
    assert services["api"]["depends_on"]["db"] == {"condition": "service_healthy"}
    assert "q" in services["w"]["depends_on"] and "w" not in services["q"].get("depends_on", {})
    assert services["lb"]["depends_on"] == {"api": {"condition": "service_started"}}
    assert services["api"]["networks"] == ["group-app", "default"]
    assert compose["networks"]["group-app"]["labels"]["io.archboard.label"] == "Application"
    assert [(n["id"], n["kind"], n["label"]) for n in compose["x-archboard"]["nodes"]] == [("u", "browser", "Shoppers")]


def test_an_edited_export_still_reads_its_new_dependencies() -> None:
    compose = exported(shop_board())
    compose["services"]["w"].setdefault("depends_on", {})["cache"] = {"condition": "service_healthy"}
    back = import_board(yaml.safe_dump(compose), fmt="compose").board
    labels = {n["id"]: n["label"] for n in back["nodes"]}
    assert ("Mailer", "Sessions") in {(labels[e["source"]], labels[e["target"]]) for e in back["edges"]}
    assert len(back["edges"]) == len(shop_board()["edges"]) + 1
