"""Import a `diagrams` Python script by reading it, never by running or importing it.

The script is parsed with `ast` and walked by a small interpreter that knows only what a
diagram script does: imports of `diagrams` classes (as they are written, aliased or not),
`with Diagram(...)` and nested `with Cluster(...)`, node constructors, variables, lists, `for`
loops and comprehensions over literal lists or `range`, f-strings, and the operators `>>`, `<<`
and `-` between nodes, lists of nodes and `Edge(...)` with the library's own semantics (an
`Edge` remembers its first node; a list on either side fans out). Nothing else is evaluated:
other calls, attribute chains, function and class bodies, decorators and default arguments are
skipped with a warning, so a hostile script can do nothing but be read. Every value is bounded
(string and list lengths, loop counts, total steps).

Classes map to kinds and technologies through the palette (`diagrams_class` of each kind and
technology, aliases such as `ECS` resolved); a class the palette does not list is read as the
kind its name or its module's category suggests, with a warning. Archboard's own `.py` export
adds a graphviz `comment` to each node, cluster and edge (`archboard:kind=...;label=...`) that
carries what the picture cannot show exactly (the label before wrapping, the kind behind a class
that several kinds share, the protocol); it is read when present.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import quote, unquote

from whiteboard.domain.board import PROTOCOLS, ROUTES
from whiteboard.domain.formats.common import Draft, ImportResult, decode_text, located
from whiteboard.domain.formats.diagrams_aliases import ALIASES
from whiteboard.domain.formats.vocabulary import (
    DIAGRAMS_CATEGORIES,
    guess,
    home_kind,
    kind_in,
    protocol_from_label,
    words,
)
from whiteboard.domain.look import PROTOCOL_COLORS
from whiteboard.domain.palette import KINDS, TECHS

MAX_STEPS = 200_000  # expression evaluations in one script
MAX_ITEMS = 5_000  # in one list, loop or range
MAX_TEXT = 10_000  # characters in one string value
MAX_INT = 10**12
META = "archboard:"

_COLOR_PROTOCOL = {color.lower(): p for p, color in PROTOCOL_COLORS.items() if p != "other"}
_DASHED = ("dashed", "dotted")


def meta_comment(fields: dict[str, object]) -> str:
    """The graphviz `comment` that carries an element's exact fields in the `.py` export.

    Values are percent-encoded so the comment is plain ASCII with no quote or backslash: it
    passes through Python, DOT and an SVG comment unchanged.
    """
    parts = [f"{key}={quote(str(value), safe='')}" for key, value in fields.items() if value not in (None, "")]
    return META + ";".join(parts)


def _read_meta(value: object) -> dict[str, str]:
    if not isinstance(value, str) or not value.startswith(META):
        return {}
    found: dict[str, str] = {}
    for part in value[len(META) :].split(";"):
        key, sep, raw = part.partition("=")
        if sep:
            found[key] = unquote(raw)
    return found


@cache
def _class_candidates() -> dict[str, list[tuple[str, str | None]]]:
    """Canonical class path -> the (kind, tech) pairs drawn with it, kinds' own classes first."""
    found: dict[str, list[tuple[str, str | None]]] = {}
    for kind in KINDS.values():
        if kind.diagrams_class:
            found.setdefault(canonical(kind.diagrams_class), []).append((kind.id, None))
    for kind in KINDS.values():
        for tech in kind.techs:
            pair = (kind.id, tech)
            found.setdefault(canonical(TECHS[tech].diagrams_class), []).append(pair)
    return found


def canonical(path: str) -> str:
    return ALIASES.get(path, path)


def kind_of_class(path: str, label: str) -> tuple[str, str | None, str | None]:
    """(kind, tech, why) for a node class; `why` explains a guess and is None for a sure match."""
    path = canonical(path)
    candidates = _class_candidates().get(path)
    if candidates:
        if len(candidates) == 1:
            return candidates[0][0], candidates[0][1], None
        named = kind_in(words(label))
        # Without a word for the kind, a technology's class means its home kind (Redis: a cache).
        usual = next((c for c in candidates if c[1] is not None and c[0] == home_kind(c[1])), candidates[0])
        chosen = next((c for c in candidates if c[0] == named), usual)
        shown = ", ".join(sorted({c[0] for c in candidates}))
        why = f"{path.rsplit('.', 1)[1]} is drawn for several kinds ({shown}): read as {chosen[0]}"
        return chosen[0], chosen[1], why
    name = path.rsplit(".", 1)[-1]
    guessed = guess(name)
    if guessed:
        return guessed[0], guessed[1], f"{path} is not in the palette: read as {guessed[0]} from its name"
    parts = path.split(".")
    category = parts[2] if len(parts) > 3 else ""
    kind = DIAGRAMS_CATEGORIES.get(category, "service")
    return kind, None, f"{path} is not in the palette: read as {kind} from its module's category"


# -- values of the interpreter --------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Unknown:
    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = _Unknown()


@dataclass(eq=False)
class NodeV:
    key: str


@dataclass(eq=False)
class EdgeV:
    node: NodeV | None = None
    forward: bool = False
    reverse: bool = False
    attrs: dict[str, Any] = field(default_factory=dict)
    line: int = 0


@dataclass(frozen=True)
class ClassV:
    path: str


@dataclass(frozen=True)
class ModuleV:
    path: str


@dataclass(frozen=True)
class SpecialV:
    name: str  # Diagram, Cluster, Edge, escape, Custom


class _Stop(Exception):
    pass


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


SPECIALS = {
    "diagrams.Diagram": "Diagram",
    "diagrams.Cluster": "Cluster",
    "diagrams.Edge": "Edge",
    "diagrams.custom.Custom": "Custom",
    "graphviz.escape": "escape",
}
BUILTINS = ("range", "list", "tuple", "len", "str", "int", "enumerate", "zip", "reversed")
_COMPARISONS: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_SAFE_SPEC = re.compile(r"[<>^=]?[+-]?#?0?\d{0,3}(?:\.\d{1,2})?[sdfxXbo%]?")


class Reader:
    def __init__(self, draft: Draft) -> None:
        self.draft = draft
        self.env: dict[str, Any] = {"__name__": "__main__", "True": True, "False": False, "None": None}
        self.star_modules: list[str] = []
        self.clusters: list[str] = []
        self.steps = 0
        self.counter = 0
        self.in_diagram = False
        self.warned: set[tuple[int, str]] = set()

    # -- bookkeeping ------------------------------------------------------------------------------

    def warn(self, node: ast.AST, msg: str) -> None:
        line = getattr(node, "lineno", 0)
        if (line, msg) not in self.warned:
            self.warned.add((line, msg))
            self.draft.warn(f"line {line}", msg)

    def tick(self, node: ast.AST) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise located(f"line {getattr(node, 'lineno', 0)}", f"the script takes more than {MAX_STEPS} steps to read")

    # -- statements -----------------------------------------------------------------------------

    def run(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.statement(stmt)

    def statement(self, stmt: ast.stmt) -> None:
        self.tick(stmt)
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    self.env[alias.asname] = self._module_value(alias.name)
                else:
                    top = alias.name.split(".")[0]
                    self.env[top] = self._module_value(top)
        elif isinstance(stmt, ast.ImportFrom):
            self._import_from(stmt)
        elif isinstance(stmt, ast.Assign):
            value = self.eval(stmt.value)
            for target in stmt.targets:
                self.bind(target, value)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self.bind(stmt.target, self.eval(stmt.value))
        elif isinstance(stmt, ast.AugAssign):
            current = self.env.get(stmt.target.id, UNKNOWN) if isinstance(stmt.target, ast.Name) else UNKNOWN
            self.bind(stmt.target, self.binop(stmt, stmt.op, current, self.eval(stmt.value)))
        elif isinstance(stmt, ast.Expr):
            self.eval(stmt.value)
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            self._with(stmt)
        elif isinstance(stmt, ast.For):
            self._for(stmt)
        elif isinstance(stmt, ast.If):
            test = self.eval(stmt.test)
            if test is UNKNOWN or isinstance(test, NodeV | EdgeV):
                self.warn(stmt, "a condition that depends on running the script: both branches skipped")
            else:
                self.run(stmt.body if test else stmt.orelse)
        elif isinstance(stmt, ast.Try):
            self.run(stmt.body)
            self.run(stmt.orelse)
            self.run(stmt.finalbody)
        elif isinstance(stmt, ast.Pass):
            pass
        elif isinstance(stmt, ast.Break):
            raise _Break
        elif isinstance(stmt, ast.Continue):
            raise _Continue
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            self.env[stmt.name] = UNKNOWN
            self.warn(stmt, f"{stmt.name!r} is a definition: it is not run, so nodes made inside it are left out")
        else:
            self.warn(stmt, f"a {type(stmt).__name__} statement is not read")

    def _module_value(self, path: str) -> Any:
        return ModuleV(path) if path == "diagrams" or path.startswith("diagrams.") or path == "graphviz" else UNKNOWN

    def _import_from(self, stmt: ast.ImportFrom) -> None:
        module = stmt.module or ""
        if stmt.level or not (module == "diagrams" or module.startswith("diagrams.") or module == "graphviz"):
            for alias in stmt.names:
                if alias.name != "*":
                    self.env[alias.asname or alias.name] = UNKNOWN
            return
        for alias in stmt.names:
            if alias.name == "*":
                self.star_modules.append(module)
                continue
            self.env[alias.asname or alias.name] = self._attr_of_module(module, alias.name)

    def _attr_of_module(self, module: str, name: str) -> Any:
        path = canonical(f"{module}.{name}")
        if path in SPECIALS:
            return SpecialV(SPECIALS[path])
        if name[:1].isupper():
            return ClassV(path)
        return ModuleV(path)

    def bind(self, target: ast.expr, value: Any) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = value
        elif isinstance(target, ast.Tuple | ast.List):
            items = value if isinstance(value, list) else None
            if items is None or len(items) != len(target.elts):
                for element in target.elts:
                    self.bind(element, UNKNOWN)
                if items is not None:
                    self.warn(target, "unpacking a different number of values: names left unknown")
                return
            for element, item in zip(target.elts, items, strict=True):
                self.bind(element, item)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, value)
        else:
            self.warn(target, "assignment to an attribute or item is not read")

    def _with(self, stmt: ast.With | ast.AsyncWith) -> None:
        opened = 0
        diagram = False
        for item in stmt.items:
            call = item.context_expr
            func = self.eval(call.func) if isinstance(call, ast.Call) else None
            if isinstance(call, ast.Call) and func == SpecialV("Diagram"):
                self._diagram(call)
                diagram = True
            elif isinstance(call, ast.Call) and func == SpecialV("Cluster"):
                self.clusters.append(self._cluster(call))
                opened += 1
            else:
                self.warn(stmt, "a `with` of something other than Diagram or Cluster: its body is read as it is")
            if item.optional_vars is not None:
                self.bind(item.optional_vars, UNKNOWN)
        try:
            self.in_diagram = self.in_diagram or diagram
            self.run(stmt.body)
        finally:
            del self.clusters[len(self.clusters) - opened :]

    def _diagram(self, call: ast.Call) -> None:
        args = self.call_args(call, ("name", "filename", "direction"))
        graph_attr = args.get("graph_attr")
        meta = _read_meta(graph_attr.get("comment")) if isinstance(graph_attr, dict) else {}
        name = meta.get("name", args.get("name"))
        if not isinstance(name, str) or not name:
            label = graph_attr.get("label") if isinstance(graph_attr, dict) else None
            name = label if isinstance(label, str) else ""
        self.draft.name = name
        direction = args.get("direction", "LR")
        if direction in ("TB", "BT", "LR", "RL"):
            self.draft.direction = direction
        elif direction is not UNKNOWN:
            self.warn(call, f"direction {direction!r} is not one of TB, BT, LR, RL: LR used")

    def _cluster(self, call: ast.Call) -> str:
        args = self.call_args(call, ("label", "direction", "graph_attr"))
        graph_attr = args.get("graph_attr")
        meta = _read_meta(graph_attr.get("comment")) if isinstance(graph_attr, dict) else {}
        label = args.get("label", "cluster")
        if "label" in meta:
            label = meta["label"]
        elif isinstance(graph_attr, dict) and isinstance(graph_attr.get("label"), str):
            label = graph_attr["label"]
        if not isinstance(label, str):
            self.warn(call, "a cluster label that depends on running the script: left empty")
            label = ""
        self.counter += 1
        key = f"cluster{self.counter}"
        # Archboard's export names each cluster by its group id; a hand-written one by its label.
        hint = args.get("label") if isinstance(args.get("label"), str) else label
        parent = self.clusters[-1] if self.clusters else None
        self.draft.add_group(key, label, parent=parent, loc=f"line {call.lineno}", hint=hint)
        return key

    def _for(self, stmt: ast.For) -> None:
        items = self.iterable(stmt.iter)
        if items is None:
            self.warn(stmt, "a loop over values known only when the script runs: its body is skipped")
            return
        try:
            for item in items:
                self.bind(stmt.target, item)
                try:
                    self.run(stmt.body)
                except _Continue:
                    continue
            else:
                self.run(stmt.orelse)
        except _Break:
            pass

    def iterable(self, node: ast.expr) -> list[Any] | None:
        value = self.eval(node)
        if isinstance(value, str):
            value = list(value)
        if not isinstance(value, list):
            return None
        return value

    # -- expressions ----------------------------------------------------------------------------

    def eval(self, node: ast.expr) -> Any:
        self.tick(node)
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, str | int | float | bool) or value is None:
                return self._bounded(node, value)
            return UNKNOWN
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.Attribute):
            base = self.eval(node.value)
            if isinstance(base, ModuleV):
                return self._attr_of_module(base.path, node.attr)
            if base is not UNKNOWN:
                self.warn(node, f"attribute {node.attr!r} is not read")
            return UNKNOWN
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            items: list[Any] = []
            for element in node.elts:
                if isinstance(element, ast.Starred):
                    spread = self.eval(element.value)
                    items.extend(spread if isinstance(spread, list) else [UNKNOWN])
                else:
                    items.append(self.eval(element))
            return self._bounded(node, items)
        if isinstance(node, ast.Dict):
            result: dict[Any, Any] = {}
            for key_node, value_node in zip(node.keys, node.values, strict=True):
                value = self.eval(value_node)
                if key_node is None:
                    if isinstance(value, dict):
                        result.update(value)
                    continue
                key = self.eval(key_node)
                if isinstance(key, str | int):
                    result[key] = value
            return result
        if isinstance(node, ast.BinOp):
            return self._binop_chain(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node)
        if isinstance(node, ast.ListComp | ast.GeneratorExp | ast.SetComp):
            return self._comprehension(node)
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.UnaryOp):
            operand = self.eval(node.operand)
            if isinstance(node.op, ast.Not) and not isinstance(operand, _Unknown | NodeV | EdgeV):
                return not operand
            if isinstance(node.op, ast.USub) and isinstance(operand, int | float) and not isinstance(operand, bool):
                return -operand
            return UNKNOWN
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.BoolOp):
            values = [self.eval(v) for v in node.values]
            if any(isinstance(v, _Unknown | NodeV | EdgeV) for v in values):
                return UNKNOWN
            return all(values) if isinstance(node.op, ast.And) else any(values)
        if isinstance(node, ast.IfExp):
            test = self.eval(node.test)
            if isinstance(test, _Unknown | NodeV | EdgeV):
                return UNKNOWN
            return self.eval(node.body if test else node.orelse)
        self.warn(node, f"a {type(node).__name__} expression is not read")
        return UNKNOWN

    def _bounded(self, node: ast.AST, value: Any) -> Any:
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise located(f"line {getattr(node, 'lineno', 0)}", f"a string of more than {MAX_TEXT} characters")
        if isinstance(value, list) and len(value) > MAX_ITEMS:
            raise located(f"line {getattr(node, 'lineno', 0)}", f"a list of more than {MAX_ITEMS} items")
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
            return UNKNOWN
        return value

    def _name(self, node: ast.Name) -> Any:
        if node.id in self.env:
            return self.env[node.id]
        if node.id in BUILTINS:
            return SpecialV(node.id)
        for module in self.star_modules:
            value = self._attr_of_module(module, node.id)
            if isinstance(value, SpecialV) or (isinstance(value, ClassV) and value.path in _class_candidates()):
                return value
        if self.star_modules and node.id[:1].isupper():
            return self._attr_of_module(self.star_modules[0], node.id)
        self.warn(node, f"{node.id!r} is not defined in the script")
        return UNKNOWN

    def _fstring(self, node: ast.JoinedStr) -> Any:
        parts: list[str] = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
                continue
            if not isinstance(value, ast.FormattedValue):
                return UNKNOWN
            item = self.eval(value.value)
            if isinstance(item, _Unknown | NodeV | EdgeV | ClassV | ModuleV | SpecialV | dict | list):
                self.warn(node, "an f-string with a value known only when the script runs")
                return UNKNOWN
            spec = ""
            if value.format_spec is not None:
                given = value.format_spec
                spec_value = self._fstring(given) if isinstance(given, ast.JoinedStr) else UNKNOWN
                if not isinstance(spec_value, str) or not _SAFE_SPEC.fullmatch(spec_value):
                    self.warn(node, "an f-string format that is not read")
                    return UNKNOWN
                spec = spec_value
            text = repr(item) if value.conversion == ord("r") else item
            try:
                parts.append(format(text, spec))
            except (ValueError, TypeError):
                return UNKNOWN
        return self._bounded(node, "".join(parts))

    def _comprehension(self, node: ast.ListComp | ast.GeneratorExp | ast.SetComp) -> Any:
        results: list[Any] = []
        saved = dict(self.env)
        try:
            for _ in self._generate(node, node.generators, 0):
                results.append(self.eval(node.elt))
                self._bounded(node, results)
        except _Stop:
            self.warn(node, "a comprehension over values known only when the script runs: left out")
            return UNKNOWN
        finally:
            self.env = saved  # comprehension variables do not leak, as in Python 3
        return results

    def _generate(self, node: ast.expr, generators: list[ast.comprehension], index: int) -> Iterator[None]:
        if index == len(generators):
            yield None
            return
        generator = generators[index]
        items = self.iterable(generator.iter)
        if items is None:
            raise _Stop
        for item in items:
            self.bind(generator.target, item)
            conditions = [self.eval(test) for test in generator.ifs]
            if any(isinstance(c, _Unknown) for c in conditions):
                raise _Stop
            if all(conditions):
                yield from self._generate(node, generators, index + 1)

    def _subscript(self, node: ast.Subscript) -> Any:
        base = self.eval(node.value)
        if isinstance(node.slice, ast.Slice):
            parts = (node.slice.lower, node.slice.upper, node.slice.step)
            bounds = [self.eval(part) if part is not None else None for part in parts]
            if isinstance(base, list | str) and all(b is None or _is_int(b) for b in bounds):
                if bounds[2] == 0:
                    return UNKNOWN
                return base[slice(*bounds)]
            return UNKNOWN
        key = self.eval(node.slice)
        try:
            if isinstance(base, list | str) and isinstance(key, int) and not isinstance(key, bool):
                return base[key]
            if isinstance(base, dict) and isinstance(key, str | int):
                return base.get(key, UNKNOWN)
        except IndexError:
            pass
        return UNKNOWN

    def _compare(self, node: ast.Compare) -> Any:
        left = self.eval(node.left)
        plain = (str, int, float, bool, type(None))
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.eval(right_node)
            check = _COMPARISONS.get(type(op))
            if check is None or not isinstance(left, plain) or not isinstance(right, plain):
                return UNKNOWN
            try:
                if not check(left, right):
                    return False
            except TypeError:
                return UNKNOWN
            left = right
        return True

    # -- calls ------------------------------------------------------------------------------------

    def call_args(self, call: ast.Call, positional: tuple[str, ...]) -> dict[str, Any]:
        args: dict[str, Any] = {}
        for name, arg in zip(positional, call.args, strict=False):
            args[name] = self.eval(arg)
        for keyword in call.keywords:
            value = self.eval(keyword.value)
            if keyword.arg is None:
                if isinstance(value, dict):
                    args.update({k: v for k, v in value.items() if isinstance(k, str)})
            else:
                args[keyword.arg] = value
        return args

    def call(self, call: ast.Call) -> Any:
        if isinstance(call.func, ast.Attribute) and call.func.attr in ("append", "extend"):
            # `nodes.append(EC2(...))`: the list idiom of many scripts.
            base = self.eval(call.func.value)
            if isinstance(base, list) and len(call.args) == 1 and not call.keywords:
                value = self.eval(call.args[0])
                if call.func.attr == "append":
                    base.append(value)
                elif isinstance(value, list):
                    base.extend(value)
                self._bounded(call, base)
                return None
        func = self.eval(call.func)
        if isinstance(func, ClassV):
            return self._node(call, func.path)
        if isinstance(func, SpecialV):
            return self._special(call, func.name)
        if func is not UNKNOWN:
            self.warn(call, "a call of something that is no diagrams class is not run")
        else:
            self.warn(call, "a call that is not a diagrams class is not run")
        return UNKNOWN

    def _special(self, call: ast.Call, name: str) -> Any:
        if name == "Edge":
            args = self.call_args(call, ("node",))
            attrs = {k: v for k, v in args.items() if k in ("label", "color", "style", "comment")}
            forward, reverse = args.get("forward") is True, args.get("reverse") is True
            return EdgeV(forward=forward, reverse=reverse, attrs=attrs, line=call.lineno)
        if name == "escape":
            args = self.call_args(call, ("s",))
            text = args.get("s")
            return text.replace("&amp;", "&") if isinstance(text, str) else UNKNOWN
        if name == "Custom":
            args = self.call_args(call, ("label", "icon_path"))
            label = args["label"] if isinstance(args.get("label"), str) else ""
            icon = args["icon_path"] if isinstance(args.get("icon_path"), str) else ""
            guessed = guess(f"{label} {icon}")
            kind, tech = guessed if guessed else ("service", None)
            self.warn(call, f"a Custom node: read as {kind} from its label and icon")
            return self._add(call, kind, tech, label, {})
        if name in ("Diagram", "Cluster"):
            self.warn(call, f"{name}(...) outside a `with`: not read")
            return UNKNOWN
        return self._builtin(call, name)

    def _builtin(self, call: ast.Call, name: str) -> Any:
        args = [self.eval(a) for a in call.args]
        ints = all(isinstance(a, int) and not isinstance(a, bool) for a in args)
        if name == "range" and ints and 1 <= len(args) <= 3:
            if len(args) == 3 and args[2] == 0:
                return UNKNOWN
            span = range(*args)
            if len(span) > MAX_ITEMS:
                raise located(f"line {call.lineno}", f"a range of more than {MAX_ITEMS} values")
            return list(span)
        if len(args) != 1 and name not in ("zip",):
            return UNKNOWN
        if name == "zip":
            if all(isinstance(a, list) for a in args):
                return [list(t) for t in zip(*args, strict=False)]
            return UNKNOWN
        value = args[0]
        if name in ("list", "tuple") and isinstance(value, list | str):
            return list(value)
        if name == "len" and isinstance(value, list | str | dict):
            return len(value)
        if name == "str" and isinstance(value, str | int | float | bool):
            return str(value)
        if name == "int" and isinstance(value, int | float) and not isinstance(value, bool):
            return self._bounded(call, int(value))
        if name == "enumerate" and isinstance(value, list):
            return [[i, v] for i, v in enumerate(value)]
        if name == "reversed" and isinstance(value, list):
            return list(reversed(value))
        return UNKNOWN

    def _node(self, call: ast.Call, path: str) -> NodeV:
        args = self.call_args(call, ("label",))
        label = args.get("label", "")
        meta = _read_meta(args.get("comment"))
        if not isinstance(label, str):
            self.warn(call, "a label known only when the script runs: left empty")
            label = ""
        if meta:
            label = meta.get("label", "")
        if meta.get("kind") in KINDS:
            kind, tech = meta["kind"], meta.get("tech") or None
        else:
            kind, tech, why = kind_of_class(path, label)
            if why:
                self.warn(call, why)
        props: dict[str, Any] = {}
        replicas = meta.get("replicas", "")
        if replicas.isdigit() and 1 <= int(replicas) <= 1000:
            props["replicas"] = int(replicas)
        return self._add(call, kind, tech, label, props)

    def _add(self, call: ast.Call, kind: str, tech: str | None, label: str, props: dict[str, Any]) -> NodeV:
        if not self.in_diagram:
            self.warn(call, "a node made outside `with Diagram(...)` (diagrams would refuse it): read anyway")
        self.counter += 1
        key = f"n{self.counter}"
        group = self.clusters[-1] if self.clusters else None
        hint = label or kind
        self.draft.add_node(key, kind, label, loc=f"line {call.lineno}", tech=tech, group=group, props=props, hint=hint)
        return NodeV(key)

    # -- the edge operators, as diagrams defines them -------------------------------------------

    def _binop_chain(self, node: ast.BinOp) -> Any:
        # `a >> b >> c >> ...` nests to the left; walk the spine without recursion, so a chain of
        # thousands of nodes reads like a short one.
        spine: list[ast.BinOp] = []
        current: ast.expr = node
        while isinstance(current, ast.BinOp):
            spine.append(current)
            current = current.left
        value = self.eval(current)
        for step in reversed(spine):
            self.tick(step)
            value = self.binop(step, step.op, value, self.eval(step.right))
        return value

    def binop(self, at: ast.AST, op: ast.operator, left: Any, right: Any) -> Any:
        if isinstance(op, ast.RShift | ast.LShift | ast.Sub) and self._graph_operand(left, right):
            return self._connect_op(at, op, left, right)
        plain = (int, float)
        if isinstance(op, ast.Add):
            if isinstance(left, list) and isinstance(right, list):
                return self._bounded(at, left + right)
            if isinstance(left, str) and isinstance(right, str):
                return self._bounded(at, left + right)
            if isinstance(left, plain) and isinstance(right, plain):
                return self._bounded(at, left + right)
        if isinstance(op, ast.Mult):
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, list | str) and isinstance(times, int) and not isinstance(times, bool):
                    if len(seq) * max(times, 0) > MAX_TEXT:
                        raise located(f"line {getattr(at, 'lineno', 0)}", "a repeated value too large to read")
                    return seq * times
            if isinstance(left, plain) and isinstance(right, plain):
                return self._bounded(at, left * right)
        if isinstance(op, ast.Sub) and isinstance(left, plain) and isinstance(right, plain):
            return self._bounded(at, left - right)
        if isinstance(op, ast.Mod) and isinstance(left, str) and isinstance(right, str | int | float):
            return UNKNOWN
        if isinstance(op, ast.FloorDiv | ast.Mod) and isinstance(left, int) and isinstance(right, int) and right:
            return left // right if isinstance(op, ast.FloorDiv) else left % right
        if left is not UNKNOWN and right is not UNKNOWN:
            self.warn(at, f"the operator {type(op).__name__} on these values is not read")
        return UNKNOWN

    @staticmethod
    def _graph_operand(left: Any, right: Any) -> bool:
        def graphy(value: Any) -> bool:
            return isinstance(value, NodeV | EdgeV) or (
                isinstance(value, list) and bool(value) and all(isinstance(v, NodeV | EdgeV) for v in value)
            )

        return graphy(left) or graphy(right)

    def _connect_op(self, at: ast.AST, op: ast.operator, left: Any, right: Any) -> Any:
        forward, reverse = isinstance(op, ast.RShift), isinstance(op, ast.LShift)
        if isinstance(left, NodeV):
            if isinstance(right, list):
                for item in right:
                    if isinstance(item, NodeV):
                        self.connect(at, left, item, EdgeV(left, forward, reverse))
                    elif isinstance(item, EdgeV):
                        self.warn(at, "an Edge inside a list after a node: not read")
                return right
            if isinstance(right, NodeV):
                self.connect(at, left, right, EdgeV(left, forward, reverse))
                return right
            if isinstance(right, EdgeV):
                right.forward, right.reverse = right.forward or forward, right.reverse or reverse
                return self._edge_connect(at, right, left)
        if isinstance(left, EdgeV):
            left.forward, left.reverse = left.forward or forward, left.reverse or reverse
            return self._edge_connect(at, left, right)
        if isinstance(left, list):
            if isinstance(right, NodeV):
                for item in left:
                    if isinstance(item, EdgeV):
                        item.forward, item.reverse = item.forward or forward, item.reverse or reverse
                        self._edge_connect(at, item, right)
                    elif isinstance(item, NodeV):
                        self.connect(at, item, right, EdgeV(item, forward, reverse))
                return right
            if isinstance(right, EdgeV):
                return [
                    EdgeV(item, right.forward or forward, right.reverse or reverse, dict(right.attrs), right.line)
                    for item in left
                    if isinstance(item, NodeV)
                ]
            if isinstance(right, list):
                self.warn(at, "a list connected to a list (diagrams refuses this): every pair is connected")
                for a in left:
                    for b in right:
                        if isinstance(a, NodeV) and isinstance(b, NodeV):
                            self.connect(at, a, b, EdgeV(a, forward, reverse))
                return right
        self.warn(at, "an edge operator with a value known only when the script runs: not read")
        return UNKNOWN

    def _edge_connect(self, at: ast.AST, edge: EdgeV, other: Any) -> Any:
        if isinstance(other, list):
            if edge.node is None:
                self.warn(at, "an Edge with no node before it: not read")
                return other
            for item in other:
                if isinstance(item, NodeV):
                    self.connect(at, edge.node, item, edge)
            return other
        if isinstance(other, EdgeV):
            edge.attrs = dict(other.attrs)
            return edge
        if isinstance(other, NodeV):
            if edge.node is not None:
                self.connect(at, edge.node, other, edge)
                return other
            edge.node = other
            return edge
        self.warn(at, "an Edge joined to a value known only when the script runs: not read")
        return UNKNOWN

    def connect(self, at: ast.AST, tail: NodeV, head: NodeV, edge: EdgeV) -> None:
        loc = f"line {getattr(at, 'lineno', 0)}"
        meta = _read_meta(edge.attrs.get("comment"))
        source, target = tail, head
        if edge.reverse and not edge.forward:
            source, target = head, tail
        elif edge.forward and edge.reverse:
            self.draft.warn(loc, "an edge both ways: kept pointing as written (left to right)")
        elif not edge.forward and not edge.reverse:
            self.draft.warn(loc, "an undirected edge (`-`): kept pointing as written (left to right)")
        label = edge.attrs.get("label", "")
        label = label if isinstance(label, str) else ""
        props: dict[str, Any] = {}
        if meta:
            label = meta.get("label", "")
            if meta.get("protocol") in PROTOCOLS:
                props["protocol"] = meta["protocol"]
            if meta.get("async") == "1":
                props["async"] = True
            if meta.get("route") in ROUTES:
                props["route"] = meta["route"]
        else:
            style, color = edge.attrs.get("style"), edge.attrs.get("color")
            if isinstance(style, str) and style.lower() in _DASHED:
                props["async"] = True
            if isinstance(color, str) and color.lower() in _COLOR_PROTOCOL:
                props["protocol"] = _COLOR_PROTOCOL[color.lower()]
            elif label and (protocol := protocol_from_label(label)):
                props["protocol"] = protocol
                self.draft.warn(loc, f"protocol {protocol} read from the edge label {label!r}")
            elif isinstance(color, str) and color:
                self.draft.warn(loc, f"edge colour {color!r} names no protocol: left out")
        self.draft.add_edge(source.key, target.key, loc=loc, label=label, props=props)


def read_python(raw: bytes | str) -> ImportResult:
    text = decode_text(raw, "Python")
    draft = Draft("diagrams")
    try:
        tree = ast.parse(text, mode="exec")
    except SyntaxError as exc:
        raise located(f"line {exc.lineno or 0}", f"not Python: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise located("body", "the script nests too deeply to read") from None
    reader = Reader(draft)
    try:
        reader.run(tree.body)
    except (_Break, _Continue):
        pass
    except RecursionError:
        raise located("body", "the script nests too deeply to read") from None
    if not reader.in_diagram:
        draft.warn("", "no `with Diagram(...)` in the script")
    return draft.finish()
