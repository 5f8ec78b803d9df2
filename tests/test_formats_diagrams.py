"""Importing `diagrams` Python scripts (whiteboard/domain/formats/diagrams_py.py): read with `ast`,
never run, every construct a script uses, and a warning for each guess or drop."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import diagrams
import pytest

from tests.builders import board, edge, node
from whiteboard.domain.board import validate_board
from whiteboard.domain.errors import BoardError
from whiteboard.domain.formats import import_board
from whiteboard.domain.formats.diagrams_aliases import ALIASES
from whiteboard.domain.formats.diagrams_py import kind_of_class
from whiteboard.domain.palette import KINDS, TECHS
from whiteboard.domain.pyexport import board_to_python

DATA = Path(__file__).parent / "formats" / "diagrams"


def read(name: str) -> Any:
    return import_board((DATA / name).read_bytes(), filename=name)


def by_label(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["label"]: n for n in doc["nodes"]}


def group_label(doc: dict[str, Any], node: dict[str, Any]) -> str | None:
    groups = {g["id"]: g for g in doc["groups"]}
    return groups[node["group"]]["label"] if node.get("group") else None


def edges_by_label(doc: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    labels = {n["id"]: n["label"] for n in doc["nodes"]}
    return [(labels[e["source"]], labels[e["target"]], e["label"], e["props"]) for e in doc["edges"]]


def warned(result: Any, loc: str, words: str) -> bool:
    return any(w["loc"] == loc and words in w["msg"] for w in result.warnings)


def test_clusters_nest_and_lists_fan_out_in_a_chain() -> None:
    result = read("clustered_web.py")
    doc = result.board
    assert doc["name"] == "Clustered web" and doc["direction"] == "TB"
    nodes = by_label(doc)
    assert {label: (n["kind"], n["props"].get("tech")) for label, n in nodes.items()} == {
        "dns": ("dns", "route53"),
        "lb": ("load_balancer", None),
        "web1": ("service", "aws-ecs"),
        "web2": ("service", "aws-ecs"),
        "web3": ("service", "aws-ecs"),
        "orders db": ("sql_db", "rds"),
        "sessions": ("cache", "redis"),
    }
    assert group_label(doc, nodes["web2"]) == "Services"
    assert group_label(doc, nodes["orders db"]) == "Primary"
    assert group_label(doc, nodes["sessions"]) == "Data"
    parents = {g["label"]: g["parent"] for g in doc["groups"]}
    assert parents["Primary"] == next(g["id"] for g in doc["groups"] if g["label"] == "Data")
    pairs = {(s, t) for s, t, _, _ in edges_by_label(doc)}
    assert pairs == {("dns", "lb")} | {("lb", w) for w in ("web1", "web2", "web3")} | {
        (w, target) for w in ("web1", "web2", "web3") for target in ("orders db", "sessions")
    }
    # ELB is an alias the palette does not list: a guess from its name, said so at its line.
    assert warned(result, "line 11", "ElasticLoadBalancing is not in the palette: read as load_balancer")


def test_aliased_imports_module_aliases_star_imports_and_attribute_paths_resolve() -> None:
    result = read("aliases.py")
    nodes = by_label(result.board)
    assert (nodes["api"]["kind"], nodes["api"]["props"]["tech"]) == ("service", "fastapi")
    assert (nodes["orders"]["kind"], nodes["orders"]["props"]["tech"]) == ("sql_db", "postgresql")
    assert (nodes["events"]["kind"], nodes["events"]["props"]["tech"]) == ("event_stream", "kafka")
    assert (nodes["jobs"]["kind"], nodes["jobs"]["props"]["tech"]) == ("worker", "celery")
    assert nodes["sidecar"]["kind"] == "service"
    assert warned(result, "line 14", "diagrams.k8s.compute.Pod is not in the palette")
    edges = edges_by_label(result.board)
    assert ("api", "events", "publish", {"async": True}) in edges
    assert ("events", "jobs", "", {}) in edges
    assert ("api", "sidecar", "", {}) in edges
    assert warned(result, "line 17", "undirected edge")


def test_edge_operators_follow_the_diagrams_semantics() -> None:
    result = read("edges.py")
    edges = edges_by_label(result.board)
    # `a << Edge(...) << b` points from b to a; dashed means asynchronous; an unknown colour is dropped.
    assert ("dashboards", "metrics", "", {"async": True}) in edges
    assert warned(result, "line 10", "edge colour 'firebrick' names no protocol")
    # `-` is undirected: kept as written, with a warning; dotted is asynchronous too.
    assert ("session", "replica", "", {"async": True}) in edges
    assert warned(result, "line 13", "undirected edge")
    # A label that names a protocol sets it (a guess, warned); a protocol's colour sets it too.
    assert ("ingress", "grpc1", "gRPC", {"protocol": "grpc"}) in edges
    assert ("ingress", "grpc2", "gRPC", {"protocol": "grpc"}) in edges
    assert warned(result, "line 14", "protocol grpc read from the edge label")
    assert ("grpc1", "session", "", {"protocol": "sql"}) in edges
    # A list to a list is refused by diagrams: every pair, with a warning.
    assert ("ingress", "session", "", {}) in edges
    assert warned(result, "line 16", "a list connected to a list")
    assert ("metrics", "ingress", "", {}) in edges
    assert warned(result, "line 18", "an edge both ways")
    assert len(edges) == 9


def test_loops_comprehensions_f_strings_and_appends_build_nodes() -> None:
    result = read("loops.py")
    doc = result.board
    nodes = by_label(doc)
    assert sorted(nodes) == ["eu queue", "handler 1", "handler 2", "handler 3", "jobs", "us queue"]
    assert group_label(doc, nodes["eu queue"]) == "region eu"
    assert group_label(doc, nodes["us queue"]) == "region us"
    pairs = {(s, t) for s, t, _, _ in edges_by_label(doc)}
    assert {("jobs", f"handler {i}") for i in (1, 2, 3)} <= pairs
    assert {("jobs", "eu queue"), ("jobs", "us queue"), ("eu queue", "handler 1")} <= pairs
    assert len(pairs) == 6


def test_what_only_running_the_script_would_tell_is_skipped_with_a_warning_each() -> None:
    result = read("not_static.py")
    assert [n["label"] for n in result.board["nodes"]] == ["first"]
    assert result.board["edges"] == []
    expected = {
        "line 8": "is a definition: it is not run",
        "line 14": "a call that is not a diagrams class is not run",
        "line 15": "a loop over values known only when the script runs",
        "line 17": "a condition that depends on running the script",
        "line 19": "a While statement is not read",
        "line 21": "an edge operator with a value known only when the script runs",
    }
    for loc, words in expected.items():
        assert warned(result, loc, words), (loc, result.warnings)


def test_classes_outside_the_palette_are_read_as_the_closest_kind_with_a_warning() -> None:
    result = read("unknown_classes.py")
    nodes = by_label(result.board)
    assert nodes["warehouse"]["kind"] == "worker"  # aws.analytics
    assert nodes["devices"]["kind"] == "service"  # gcp.iot
    assert (nodes["Payments"]["kind"], nodes["Payments"]["props"]["tech"]) == ("external_system", "stripe")
    assert (nodes["login"]["kind"], nodes["login"]["props"]["tech"]) == ("auth", "auth0")
    assert warned(result, "line 8", "read as worker from its module's category")
    assert warned(result, "line 10", "a Custom node: read as external_system")
    assert not any(w["loc"] == "line 11" for w in result.warnings)  # Auth0 is a palette technology


@pytest.mark.parametrize("kind", sorted(k for k in KINDS if KINDS[k].diagrams_class))
def test_every_kinds_own_class_reads_back_as_that_kind(kind: str) -> None:
    found, tech, _ = kind_of_class(KINDS[kind].diagrams_class or "", "")
    assert (found, tech) == (kind, None) or KINDS[kind].diagrams_class in {t.diagrams_class for t in TECHS.values()}


def test_every_technology_class_reads_back_as_a_kind_that_lists_it() -> None:
    for tech in TECHS.values():
        kind, found, _ = kind_of_class(tech.diagrams_class, "")
        assert found is None or tech.diagrams_class == TECHS[found].diagrams_class
        assert kind in KINDS


def test_a_broken_script_is_refused_with_its_line() -> None:
    with pytest.raises(BoardError) as info:
        import_board(b"from diagrams import Diagram\nwith Diagram('x'):\n    a = (\n", fmt="diagrams")
    assert info.value.errors[0]["loc"] == "line 3"
    assert "not Python" in info.value.errors[0]["msg"]


def test_a_script_without_a_diagram_is_read_with_a_warning() -> None:
    result = import_board(b"from diagrams.aws.compute import EC2\nEC2('lonely')\n", fmt="diagrams")
    assert [n["label"] for n in result.board["nodes"]] == ["lonely"]
    assert any("outside `with Diagram" in w["msg"] for w in result.warnings)
    assert any("no `with Diagram" in w["msg"] for w in result.warnings)


def test_the_python_export_reads_back_with_kinds_a_class_cannot_tell_apart() -> None:
    doc = validate_board(
        board(
            [
                node("v", "vector_db", label="Embeddings", props={"tech": "pgvector", "replicas": 3}),
                node("s", "sql_db", label="Ledger", props={"tech": "postgresql"}),
                node("e", "embedding_model", label="", props={"tech": "sagemaker-model"}),
                node("l", "llm", label="Line one\nline two, long enough to wrap twice or more"),
            ],
            [edge("x", "l", "v", label="HTTPS", props={"protocol": "https", "async": True, "route": "curved"})],
        )
    )
    back = import_board(board_to_python(doc), fmt="diagrams").board
    assert [(n["kind"], n["label"], n["props"]) for n in back["nodes"]] == [
        (n["kind"], n["label"], n["props"]) for n in doc["nodes"]
    ]
    assert back["edges"][0]["props"] == {"protocol": "https", "async": True, "route": "curved"}
    assert back["edges"][0]["label"] == "HTTPS"


def test_the_alias_table_is_the_installed_diagrams_own() -> None:
    root = Path(diagrams.__file__).parent
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        module = ".".join(("diagrams", *path.relative_to(root).with_suffix("").parts)).removesuffix(".__init__")
        for stmt in ast.parse(path.read_text()).body:
            if (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and isinstance(stmt.value, ast.Name)
                and stmt.targets[0].id[0].isupper()
            ):
                found[f"{module}.{stmt.targets[0].id}"] = f"{module}.{stmt.value.id}"
    regenerated = "\n".join(f'    "{k}": "{v}",' for k, v in sorted(found.items()))
    assert found == ALIASES, f"diagrams changed: regenerate diagrams_aliases.py with:\n{regenerated}"
