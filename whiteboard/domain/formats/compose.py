"""Docker Compose: import a compose file as a board, export a board as a runnable compose file.

Import reads `services` (a node each: kind and technology from the image, else from `build`
(a service), the ports and the name, with a warning for every guess), `depends_on` in both its
forms (an edge from the dependent service to what it depends on: requests flow that way),
`networks` (a group each, a service in the first one it names), `deploy.replicas`, and the
environment, where a URL naming another service is read as a call to it.

Export writes a `docker-compose.yml` that `docker compose up` runs: real images with health
checks for infrastructure, build placeholders (`./<name>`) for services and agents, a network per
group (grouped services join the default network too, so calls across groups resolve), replicas,
`depends_on` along the edges (waiting for health where there is a check; an edge that would close
a cycle is left to the edge list, Compose refuses dependency cycles), and each caller's
connection settings (`DATABASE_URL`, `REDIS_URL`, ...). Clients and notes do not run; they, the
edges with their labels and protocols, and the board's name live in the top-level `x-archboard`
extension, and each service's kind, technology and label in its `labels`, so the file imports
back to the same board.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from whiteboard.domain.board import PROTOCOLS, ROUTES
from whiteboard.domain.formats.common import Draft, ImportResult, decode_text, located
from whiteboard.domain.formats.placement import place
from whiteboard.domain.formats.runtime import Runtime, is_dependency, runs, runtime_of, wiring
from whiteboard.domain.formats.vocabulary import PORTS, guess, guess_image, kind_in, words
from whiteboard.domain.formats.yamlsafe import dump_yaml, key_lines, load_yaml
from whiteboard.domain.palette import KINDS, tech_for

LABEL = "io.archboard."
EXTENSION = "x-archboard"


def service_names(doc: Mapping[str, Any], *, dns_label: bool = False) -> dict[str, str]:
    """A name per node that Compose (and, with `dns_label`, Kubernetes) accepts as a host name."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for node in doc["nodes"]:
        base = re.sub(r"[^a-z0-9]+", "-", node["id"].lower()).strip("-") or "node"
        if dns_label and not base[0].isalpha():
            base = f"n-{base}"
        base = base[:50].rstrip("-")
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name)
        names[node["id"]] = name
    return names


def plan_calls(doc: Mapping[str, Any], names: Mapping[str, str]) -> list[tuple[str, str]]:
    """(dependent, dependency) pairs from the edges, as a runtime sees them: a caller waits for
    what it calls, except that a consumer waits for the queue or store it reads from (the edge
    points from the queue to it). Pairs that would close a cycle are dropped; clients and notes
    do not run and take no part."""
    kinds = {n["id"]: n["kind"] for n in doc["nodes"]}
    after: dict[str, set[str]] = {}
    pairs: list[tuple[str, str]] = []

    def reaches(start: str, goal: str) -> bool:
        stack, seen = [start], {start}
        while stack:
            current = stack.pop()
            if current == goal:
                return True
            for nxt in after.get(current, ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return False

    for edge in doc["edges"]:
        source, target = edge["source"], edge["target"]
        if not (runs(kinds[source]) and runs(kinds[target])):
            continue
        dependent, dependency = source, target
        if is_dependency(kinds[source]) and not is_dependency(kinds[target]):
            dependent, dependency = target, source
        a, b = names[dependent], names[dependency]
        if (a, b) in pairs or reaches(b, a):
            continue
        after.setdefault(a, set()).add(b)
        pairs.append((a, b))
    return pairs


def _healthcheck(runtime: Runtime) -> dict[str, Any]:
    return {"test": list(runtime.health), "interval": "10s", "timeout": "5s", "retries": 10, "start_period": "20s"}


def to_compose(doc: dict[str, Any]) -> str:
    doc = json.loads(json.dumps(doc))  # placed on a copy
    place(doc)
    names = service_names(doc)
    nodes = {n["id"]: n for n in doc["nodes"]}
    groups = {g["id"]: g for g in doc.get("groups") or []}
    network_names = {gid: f"group-{name}" for gid, name in _group_names(groups).items()}
    runtimes = {
        n["id"]: runtime_of(n["kind"], (n.get("props") or {}).get("tech"), names[n["id"]])
        for n in doc["nodes"]
        if runs(n["kind"])
    }
    pairs = plan_calls(doc, names)
    by_name = {names[node_id]: node_id for node_id in runtimes}
    callers: dict[str, list[tuple[str, Runtime]]] = {}
    for edge in doc["edges"]:
        if edge["source"] in runtimes and edge["target"] in runtimes:
            callers.setdefault(names[edge["source"]], []).append((names[edge["target"]], runtimes[edge["target"]]))
    env_of = wiring(callers)
    services: dict[str, Any] = {}
    for node_id, runtime in runtimes.items():
        node, name = nodes[node_id], names[node_id]
        props = node.get("props") or {}
        service: dict[str, Any] = {}
        if runtime.image:
            service["image"] = runtime.image
        else:
            service["build"] = {"context": f"./{name}"}
            service["image"] = f"{name}:latest"
        if runtime.command:
            service["command"] = list(runtime.command)
        env = {**runtime.env, **env_of.get(name, {})}
        if env:
            service["environment"] = env
        service["expose"] = [str(runtime.port)]
        if runtime.health:
            service["healthcheck"] = _healthcheck(runtime)
        waits = {b: a for a, b in pairs if a == name}
        if waits:
            service["depends_on"] = {
                dependency: {
                    "condition": "service_healthy" if runtimes[by_name[dependency]].health else "service_started"
                }
                for dependency in waits
            }
        if isinstance(props.get("replicas"), int) and props["replicas"] > 1:
            service["deploy"] = {"replicas": props["replicas"]}
        if node.get("group") in network_names:
            service["networks"] = [network_names[node["group"]], "default"]
        service["labels"] = _labels(node)
        services[name] = service
    compose: dict[str, Any] = {"name": _project(doc.get("name", "")), "services": services}
    if network_names:
        compose["networks"] = {
            network: {
                "labels": {
                    f"{LABEL}group": gid,
                    f"{LABEL}label": groups[gid].get("label", ""),
                    **({f"{LABEL}parent": groups[gid]["parent"]} if groups[gid].get("parent") else {}),
                }
            }
            for gid, network in network_names.items()
        }
    compose[EXTENSION] = {
        "format": "archboard/1",
        "name": doc.get("name", ""),
        "direction": doc.get("direction", "LR"),
        "nodes": [_extension_node(n) for n in doc["nodes"] if not runs(n["kind"])],
        "edges": [
            {
                "from": _ref(nodes[e["source"]], names),
                "to": _ref(nodes[e["target"]], names),
                "label": e.get("label", ""),
                **{k: v for k, v in (e.get("props") or {}).items() if k in ("protocol", "async", "route")},
            }
            for e in doc["edges"]
        ],
    }
    header = "# Generated by Archboard: `docker compose up` runs the board's components.\n"
    return header + dump_yaml(compose)


def _group_names(groups: Mapping[str, Any]) -> dict[str, str]:
    return service_names({"nodes": [{"id": gid} for gid in groups]})


def _project(name: str) -> str:
    # Compose project names: lower-case letters, digits, dashes and underscores, starting with one.
    slug = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_")
    return slug[:60] or "archboard"


def _labels(node: Mapping[str, Any]) -> dict[str, str]:
    props = node.get("props") or {}
    labels = {f"{LABEL}kind": node["kind"], f"{LABEL}label": node.get("label", ""), f"{LABEL}id": node["id"]}
    if props.get("tech"):
        labels[f"{LABEL}tech"] = props["tech"]
    if "x" in node and "y" in node:
        labels[f"{LABEL}position"] = f"{node['x']},{node['y']}"
    rest = {k: v for k, v in props.items() if k not in ("tech", "replicas")}
    if rest:
        labels[f"{LABEL}props"] = json.dumps(rest, ensure_ascii=False)
    return labels


def _extension_node(node: Mapping[str, Any]) -> dict[str, Any]:
    entry = {"id": node["id"], "kind": node["kind"], "label": node.get("label", "")}
    for key in ("x", "y", "group"):
        if node.get(key) is not None:
            entry[key] = node[key]
    if node.get("props"):
        entry["props"] = node["props"]
    return entry


def _ref(node: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """An edge end in the extension: a service's name, or a client's or note's board id."""
    return names[node["id"]] if runs(node["kind"]) else f"node:{node['id']}"


# -- import ---------------------------------------------------------------------------------------


def detect_compose(data: object) -> bool:
    return isinstance(data, dict) and isinstance(data.get("services"), dict)


def read_compose(raw: bytes | str) -> ImportResult:
    text = decode_text(raw, "Compose")
    data, tree = load_yaml(text)
    if not isinstance(data, dict):
        raise located("line 1", "a Compose file is a mapping with a `services` key")
    services = data.get("services")
    if not isinstance(services, dict):
        raise located("services", "a Compose file needs a `services` mapping")
    lines = key_lines(tree, "services")
    draft = Draft("compose")
    found = data.get(EXTENSION)
    extension: dict[str, Any] = found if isinstance(found, dict) else {}
    draft.name = str(extension.get("name") or data.get("name") or "")
    if extension.get("direction") in ("TB", "BT", "LR", "RL"):
        draft.direction = extension["direction"]
    networks = _networks(draft, data.get("networks"))
    for name, service in services.items():
        loc = f"line {lines[name]}" if name in lines else f"services.{name}"
        if not isinstance(service, dict):
            raise located(loc, f"service {str(name)[:64]!r} must be a mapping")
        _service(draft, str(name), service, loc)
    for entry in extension.get("nodes") or []:
        if isinstance(entry, dict) and entry.get("kind") in KINDS and isinstance(entry.get("id"), str):
            _extension_entry(draft, entry, networks)
    covered = _extension_edges(draft, extension.get("edges"))
    for name, service in services.items():
        loc = f"services.{name}"
        for dependency in _dependencies(service.get("depends_on"), draft, loc):
            if (str(name), dependency) in covered or (dependency, str(name)) in covered:
                continue
            draft.add_edge(str(name), dependency, loc=f"{loc}.depends_on")
        if not covered:
            _environment_edges(draft, str(name), service, services)
    return draft.finish()


def _networks(draft: Draft, networks: object) -> dict[str, str]:
    """Each network a group; returns the network of each Archboard group id the file names."""
    if not isinstance(networks, dict):
        return {}
    parents: dict[str, str] = {}
    for name, spec in networks.items():
        labels = _label_map(spec.get("labels") if isinstance(spec, dict) else None)
        label = labels.get(f"{LABEL}label", str(name).removeprefix("group-"))
        hint = labels.get(f"{LABEL}group") or str(name)
        draft.add_group(str(name), label, loc=f"networks.{name}", hint=hint)
        if f"{LABEL}parent" in labels:
            parents[str(name)] = labels[f"{LABEL}parent"]
    by_group_id = {}
    for name, spec in networks.items():
        labels = _label_map(spec.get("labels") if isinstance(spec, dict) else None)
        if f"{LABEL}group" in labels:
            by_group_id[labels[f"{LABEL}group"]] = str(name)
    for name, parent in parents.items():
        draft.set_group_parent(name, by_group_id.get(parent, parent))
    return by_group_id


def _label_map(labels: object) -> dict[str, str]:
    """Compose labels (and environments) in either form: a mapping, or a list of `key=value`."""
    if isinstance(labels, dict):
        return {str(k): "" if v is None else str(v) for k, v in labels.items()}
    if isinstance(labels, list):
        pairs = (str(item).partition("=") for item in labels)
        return {key: value for key, _, value in pairs}
    return {}


def _ports(service: Mapping[str, Any]) -> list[int]:
    found: list[int] = []
    for entry in [*(service.get("ports") or []), *(service.get("expose") or [])]:
        value = entry.get("target") if isinstance(entry, dict) else str(entry).split("/", 1)[0].rsplit(":", 1)[-1]
        if str(value).split("-", 1)[0].isdigit():
            found.append(int(str(value).split("-", 1)[0]))
    return found


def _service(draft: Draft, name: str, service: Mapping[str, Any], loc: str) -> None:
    labels = _label_map(service.get("labels"))
    props: dict[str, Any] = {}
    kind, tech = labels.get(f"{LABEL}kind"), labels.get(f"{LABEL}tech")
    label = labels.get(f"{LABEL}label", name)
    if kind in KINDS:
        if f"{LABEL}props" in labels:
            try:
                extra = json.loads(labels[f"{LABEL}props"])
            except ValueError:
                extra = None
            if isinstance(extra, dict):
                props.update(extra)
            else:
                draft.warn(loc, "its io.archboard.props label is not a JSON object: left out")
    else:
        kind, tech = _guess_service(draft, name, service, loc)
    given = service.get("deploy")
    deploy: dict[str, Any] = given if isinstance(given, dict) else {}
    replicas = deploy.get("replicas", service.get("scale"))
    if isinstance(replicas, int) and not isinstance(replicas, bool) and replicas > 1:
        if replicas > 1000:
            draft.warn(loc, f"{replicas} replicas: a board holds at most 1000")
        props["replicas"] = min(replicas, 1000)
    networks = service.get("networks")
    names = list(networks) if isinstance(networks, dict | list) else []
    names = [str(n) for n in names if str(n) != "default"]
    group = names[0] if names and draft.has_group(names[0]) else None
    if len(names) > 1:
        draft.warn(loc, f"on {len(names)} networks: placed in the group of the first, {names[0]!r}")
    x = y = None
    if f"{LABEL}position" in labels:
        try:
            x, y = (float(v) for v in labels[f"{LABEL}position"].split(","))
        except ValueError:
            draft.warn(loc, "its io.archboard.position label is not `x,y`: laid out instead")
    hint = labels.get(f"{LABEL}id") or name
    draft.add_node(name, kind, label, loc=loc, tech=tech, group=group, x=x, y=y, props=props, hint=hint)


def _guess_service(draft: Draft, name: str, service: Mapping[str, Any], loc: str) -> tuple[str, str | None]:
    image = service.get("image")
    if isinstance(image, str) and image:
        found = guess_image(image)
        if found and (found[0] != "service" or "build" not in service):
            named = kind_in(words(name))
            if named and found[1] and tech_for(named, found[1]):
                return named, found[1]  # `worker: {image: python}` is a Python worker
            if found[1] is None:
                draft.warn(loc, f"image {image!r} read as {found[0]}")
            return found
    if "build" in service:
        return "service", None
    for port in _ports(service):
        if port in PORTS:
            kind, tech = PORTS[port]
            draft.warn(loc, f"read as {kind} from its port {port}")
            return kind, tech
    found = guess(name)
    if found:
        draft.warn(loc, f"read as {found[0]} from its name")
        return found
    draft.warn(loc, f"image {image!r} says nothing known: read as a service" if image else "read as a service")
    return "service", None


def _dependencies(depends_on: object, draft: Draft, loc: str) -> list[str]:
    if depends_on is None:
        return []
    if isinstance(depends_on, list):
        return [str(d) for d in depends_on]
    if isinstance(depends_on, dict):
        return [str(d) for d in depends_on]
    draft.warn(f"{loc}.depends_on", "neither a list nor a mapping: left out")
    return []


def _environment_edges(draft: Draft, name: str, service: Mapping[str, Any], services: Mapping[str, Any]) -> None:
    """A URL in the environment that names another service is a call to it (a guess: warned)."""
    declared = set(_dependencies(service.get("depends_on"), draft, f"services.{name}"))
    for key, value in _label_map(service.get("environment")).items():
        for other in services:
            other = str(other)
            if other == name or other in declared:
                continue
            if re.search(rf"(?:^|[/@,;=]){re.escape(other)}(?::\d+|/|$)", value):
                draft.add_edge(name, other, loc=f"services.{name}.environment.{key}")
                draft.warn(f"services.{name}.environment.{key}", f"an edge to {other!r} read from {key}")
                declared.add(other)


def _extension_entry(draft: Draft, entry: Mapping[str, Any], networks: Mapping[str, str]) -> None:
    props = dict(entry.get("props") or {}) if isinstance(entry.get("props"), dict) else {}
    x, y = entry.get("x"), entry.get("y")
    placed = isinstance(x, int | float) and isinstance(y, int | float)
    group = entry.get("group")
    group_key = networks.get(group) if isinstance(group, str) else None
    draft.add_node(
        f"node:{entry['id']}",
        entry["kind"],
        str(entry.get("label", "")),
        loc=f"{EXTENSION}.nodes.{entry['id']}",
        tech=props.pop("tech", None),
        group=group_key,
        x=x if placed else None,
        y=y if placed else None,
        props=props,
        hint=entry["id"],
    )


def _extension_edges(draft: Draft, edges: object) -> set[tuple[str, str]]:
    covered: set[tuple[str, str]] = set()
    if not isinstance(edges, list):
        return covered
    for index, entry in enumerate(edges):
        loc = f"{EXTENSION}.edges[{index}]"
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("from"), str)
            or not isinstance(entry.get("to"), str)
        ):
            draft.warn(loc, "an edge needs `from` and `to`: left out")
            continue
        props: dict[str, Any] = {}
        if entry.get("protocol") in PROTOCOLS:
            props["protocol"] = entry["protocol"]
        if entry.get("async") is True:
            props["async"] = True
        if entry.get("route") in ROUTES:
            props["route"] = entry["route"]
        draft.add_edge(entry["from"], entry["to"], loc=loc, label=str(entry.get("label", "")), props=props)
        covered.add((entry["from"], entry["to"]))
    return covered
