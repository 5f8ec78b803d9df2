"""YAML read safely: no Python objects, a size limit, and a cap on what aliases expand to.

PyYAML's safe loader builds only plain data, but an alias is a reference: nine anchors of ten
aliases each ("billion laughs") load into a small structure that expands to 10^9 values as soon
as anything walks it. The document's node graph is therefore measured as it would be expanded,
before it is turned into data, and refused past the cap; deep nesting is refused too.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from whiteboard.domain.formats.common import located

MAX_EXPANDED = 200_000  # values in the document with every alias expanded


class _Loader(yaml.SafeLoader):
    pass


def _expanded_size(root: yaml.Node) -> int:
    """How many nodes the document has once aliases are expanded, memoised per shared node;
    iterative, so depth costs no stack."""
    size: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    on_path: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            children = _children(node)
            total = 1 + sum(size[id(child)] for child in children)
            size[key] = total
            if total > MAX_EXPANDED:
                return total
            continue
        if key in size:
            continue
        if key in on_path:
            return MAX_EXPANDED + 1  # a recursive structure expands forever
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in size)
    return size[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def load_yaml(text: str) -> tuple[Any, yaml.Node | None]:
    """The data of a one-document YAML text and its node tree (for line numbers)."""
    try:
        loader = _Loader(text)  # refuses characters YAML does not allow as it starts reading
    except yaml.YAMLError as exc:
        raise located("body", f"not valid YAML: {exc}") from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        if _expanded_size(node) > MAX_EXPANDED:
            raise located(f"line {node.start_mark.line + 1}", f"the YAML expands to more than {MAX_EXPANDED} values")
        return loader.construct_document(node), node
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}" if mark else "body"
        raise located(line, f"not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise located("body", f"not valid YAML: {exc}") from None
    except RecursionError:
        raise located("body", "the YAML nests too deeply to read") from None
    finally:
        loader.dispose()


def key_lines(node: yaml.Node | None, *path: str) -> dict[str, int]:
    """Line numbers of the keys of the mapping at `path` (e.g. the services)."""
    for key in path:
        if not isinstance(node, yaml.MappingNode):
            return {}
        node = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # a value written twice is written out twice: no `&id001` anchors for readers


_LINE_BREAKS = re.compile("[\x85\u2028\u2029]")


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # YAML reads U+0085, U+2028 and U+2029 as line breaks and folds them in plain or single-quoted
    # text; in double quotes the emitter writes them as escapes, and they come back as they were.
    style = '"' if _LINE_BREAKS.search(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump_yaml(data: Any, *, many: bool = False) -> str:
    """YAML text that loads back to `data` exactly; Unicode written as itself."""
    options: dict[str, Any] = {"sort_keys": False, "allow_unicode": True, "width": 1000, "Dumper": _Dumper}
    text: str = yaml.dump_all(data, **options) if many else yaml.dump(data, **options)
    return text
