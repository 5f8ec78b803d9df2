"""Random valid boards for the format round trips, and the graph a format must keep.

Built on tests/builders.py: every kind and technology of the palette, labels of any Unicode
text a board accepts (line breaks, quotes, markup, emoji, leading and trailing spaces), nested
groups, parallel edges, protocols, asynchrony, routes and replicas.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import strategies as st

from tests.builders import board, edge, node
from whiteboard.domain.board import PROTOCOLS, ROUTES, validate_board
from whiteboard.domain.palette import KINDS

# Any text a label may hold: no NUL and no lone surrogates (the schema refuses them).
TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
    max_size=30,
)
# Some labels from characters that formats escape, so those paths are tried often.
TRICKY = st.text(alphabet=st.sampled_from(list(" \n\t\"'<>&#%\\;:|[](){}`=-.*/ab")), max_size=12)
LABELS = st.one_of(TEXT, TRICKY, st.sampled_from(["", "API", "HTTPS", "Orders DB", "x" * 200]))


@st.composite
def boards(draw: st.DrawFn, max_nodes: int = 10) -> dict[str, Any]:
    group_count = draw(st.integers(0, 4))
    groups = []
    for i in range(group_count):
        parent = draw(st.none() | st.sampled_from([f"g{j}" for j in range(i)])) if i else None
        groups.append({"id": f"g{i}", "label": draw(LABELS), "parent": parent})
    positioned = draw(st.booleans())
    nodes = []
    for i in range(draw(st.integers(0, max_nodes))):
        kind = draw(st.sampled_from(sorted(KINDS)))
        props: dict[str, Any] = {}
        techs = KINDS[kind].techs
        if techs and draw(st.booleans()):
            props["tech"] = draw(st.sampled_from(techs))
        if draw(st.booleans()):
            props["replicas"] = draw(st.integers(1, 5))
        fields: dict[str, Any] = {"label": draw(LABELS), "props": props}
        if groups and draw(st.booleans()):
            fields["group"] = draw(st.sampled_from([g["id"] for g in groups]))
        if positioned:
            fields["x"] = draw(st.integers(-2000, 2000))
            fields["y"] = draw(st.integers(-2000, 2000))
        nodes.append(node(f"n{i}", kind, **fields))
    edges = []
    if len(nodes) >= 2:
        for i in range(draw(st.integers(0, 12))):
            source, target = draw(
                st.lists(st.sampled_from([n["id"] for n in nodes]), min_size=2, max_size=2, unique=True)
            )
            props = {}
            if draw(st.booleans()):
                props["protocol"] = draw(st.sampled_from(PROTOCOLS))
            if draw(st.booleans()):
                props["async"] = draw(st.booleans())
            if draw(st.booleans()):
                props["route"] = draw(st.sampled_from(ROUTES))
            edges.append(edge(f"e{i}", source, target, label=draw(LABELS), props=props))
    doc = board(
        nodes,
        edges,
        groups=groups,
        name=draw(LABELS),
        direction=draw(st.sampled_from(["LR", "RL", "TB", "BT"])),
    )
    return validate_board(doc)


def graph(doc: dict[str, Any], *, notes: bool = True) -> tuple[Counter[Any], Counter[Any], Counter[Any]]:
    """What a format keeps, with ids left out: nodes (kind, tech, label, group path, replicas),
    edges between such nodes (label, protocol, async) and groups (their path of labels)."""
    groups = {g["id"]: g for g in doc["groups"]}

    def path(group_id: str | None) -> tuple[str, ...]:
        labels: list[str] = []
        while group_id:
            labels.append(groups[group_id]["label"])
            group_id = groups[group_id].get("parent")
        return tuple(labels)

    described = {}
    for n in doc["nodes"]:
        if not notes and n["kind"] == "note":
            continue
        props = n.get("props") or {}
        described[n["id"]] = (n["kind"], props.get("tech"), n["label"], path(n.get("group")), props.get("replicas", 1))
    edges = Counter(
        (
            described[e["source"]],
            described[e["target"]],
            e["label"],
            e["props"].get("protocol"),
            e["props"].get("async", False) is True,
        )
        for e in doc["edges"]
        if e["source"] in described and e["target"] in described
    )
    return Counter(described.values()), edges, Counter(path(g["id"]) for g in doc["groups"])
