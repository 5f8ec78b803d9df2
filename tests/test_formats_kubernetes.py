"""The Kubernetes export (whiteboard/domain/formats/kubernetes.py): manifests valid against the
Kubernetes API's own JSON schemas (strict: no unknown field), a workload and a Service per
running component, replicas, images and the connection settings along the edges."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from kubernetes_validate.utils import schema_contents
from referencing import Registry, Resource

from tests.format_boards import boards
from tests.test_formats_compose import shop_board
from whiteboard.domain.board import validate_board
from whiteboard.domain.formats import export_text
from whiteboard.domain.formats.runtime import runs

FIXTURES = sorted((Path(__file__).resolve().parent.parent / "fixtures").glob("*.json"))
VERSION = kubernetes_validate.latest_version()


def manifests(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in yaml.safe_load_all(export_text(doc, "k8s.yaml")) if m is not None]


def assert_valid(documents: list[dict[str, Any]]) -> None:
    """As `kubernetes_validate.validate(..., strict=True)` checks, with each kind's validator built
    once (the package loads its 5 MB of definitions on every call)."""
    for manifest in documents:
        errors = list(validator(manifest["kind"], manifest["apiVersion"]).iter_errors(manifest))
        assert errors == [], [f"{manifest['kind']}: {e.message}" for e in errors[:5]]


@cache
def validator(kind: str, api_version: str) -> Any:
    folder = f"kubernetes-json-schema/v{VERSION}-local-strict"
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    schema = schema_contents(f"{folder}/{kind.lower()}-{group}.json", VERSION)
    definitions = schema_contents(f"{folder}/_definitions.json", VERSION)
    registry = Resource.from_contents(definitions) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.Draft202012Validator(schema, registry=registry)


def test_the_cached_validators_agree_with_the_package_on_a_good_and_a_bad_manifest() -> None:
    good = manifests(shop_board())
    assert_valid(good)
    for manifest in good:
        kubernetes_validate.validate(manifest, VERSION, strict=True)
    bad = json.loads(json.dumps(good[0]))
    bad["spec"]["replicaCount"] = 2
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, VERSION, strict=True)
    with pytest.raises(AssertionError):
        assert_valid([bad])


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_every_demo_board_exports_manifests_the_kubernetes_schemas_accept(fixture: Path) -> None:
    assert_valid(manifests(validate_board(json.loads(fixture.read_text()))))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(boards())
def test_every_export_is_valid_with_a_workload_and_a_service_per_running_component(doc: dict[str, Any]) -> None:
    documents = manifests(doc)
    assert_valid(documents)
    running = sum(1 for n in doc["nodes"] if runs(n["kind"]))
    assert sum(1 for m in documents if m["kind"] == "Service") == running
    assert sum(1 for m in documents if m["kind"] in ("Deployment", "StatefulSet")) == running
    names = [m["metadata"]["name"] for m in documents if m["kind"] == "Service"]
    assert len(names) == len(set(names))


def test_data_runs_as_a_stateful_set_code_as_a_deployment_with_replicas_and_wiring() -> None:
    by_name = {(m["kind"], m["metadata"]["name"]): m for m in manifests(shop_board())}
    assert ("StatefulSet", "db") in by_name and ("StatefulSet", "cache") in by_name and ("StatefulSet", "q") in by_name
    api = by_name[("Deployment", "api")]
    assert api["spec"]["replicas"] == 3
    container = api["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "api:latest"
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["DATABASE_URL"] == "postgresql://postgres:postgres@db:5432/app"
    assert env["REDIS_URL"] == "redis://cache:6379/0"
    db = by_name[("StatefulSet", "db")]
    assert db["spec"]["serviceName"] == "db"
    db_container = db["spec"]["template"]["spec"]["containers"][0]
    assert db_container["image"].startswith("postgres:")
    assert db_container["readinessProbe"]["exec"]["command"] == ["sh", "-c", "pg_isready -U postgres"]
    assert db["metadata"]["annotations"]["archboard.io/tech"] == "rds"
    assert by_name[("Service", "db")]["spec"]["ports"][0]["port"] == 5432
    assert not any(name == "u" for _, name in by_name)  # the browser does not run in the cluster
