"""What a change did to the load estimate (SPEC section 8), for the diff page: each client's p99
and the utilisation of the nodes whose utilisation moved most, before and after, both from
`estimate_board` (the one model)."""

from __future__ import annotations

from typing import Any

from whiteboard.domain.estimate import estimate_board
from whiteboard.domain.palette import KINDS

# A reviewer reads a handful of rows; the rest of the board's nodes are in the editor's Load tab.
MOST_CHANGED = 5
# Half a percentage point: a smaller move does not show in the page's whole percentages.
VISIBLE_MOVE = 0.005


def _names(*docs: dict[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for doc in docs:  # the newer document last: a renamed node goes by its new label
        for n in doc["nodes"]:
            kind = KINDS.get(n["kind"])
            names[n["id"]] = n.get("label") or (kind.name if kind else n["kind"])
    return names


def _has_load(estimate: dict[str, Any]) -> bool:
    return any(entry["rps"] > 0 for entry in estimate["entries"])


def load_change(before: dict[str, Any], after: dict[str, Any], *, most: int = MOST_CHANGED) -> dict[str, Any] | None:
    """Clients' p99 and the `most` nodes whose utilisation changed most, before and after; None
    when neither board has a client with `rps`. A side without the element has None there."""
    old, new = estimate_board(before), estimate_board(after)
    if not (_has_load(old) or _has_load(new)):
        return None
    names = _names(before, after)
    old_entries = {e["client"]: e for e in old["entries"]}
    new_entries = {e["client"]: e for e in new["entries"]}
    clients = []
    for client in [*new_entries, *(c for c in old_entries if c not in new_entries)]:
        was, now = old_entries.get(client), new_entries.get(client)
        if not ((was and was["rps"] > 0) or (now and now["rps"] > 0)):
            continue  # a client only others send through: its figures are theirs
        clients.append(
            {
                "id": client,
                "label": names[client],
                "before": was["p99_ms"] if was else None,
                "after": now["p99_ms"] if now else None,
                "in_before": was is not None,
                "in_after": now is not None,
                "slo_p99_ms": (now or was or {}).get("slo_p99_ms"),
            }
        )

    def utilisation(estimate: dict[str, Any], node: str) -> float | None:
        figures = estimate["nodes"].get(node)
        return None if figures is None else figures["utilisation"]

    rows = []
    for node in dict.fromkeys([*new["nodes"], *old["nodes"]]):
        was, now = utilisation(old, node), utilisation(new, node)
        moved = abs((now or 0.0) - (was or 0.0))
        if moved >= VISIBLE_MOVE:
            rows.append({"id": node, "label": names[node], "before": was, "after": now, "moved": moved})
    rows.sort(key=lambda row: -row["moved"])
    return {
        "clients": clients,
        "nodes": rows[:most],
        "bottleneck": {
            "before": names[old["bottleneck"]] if old["bottleneck"] else None,
            "after": names[new["bottleneck"]] if new["bottleneck"] else None,
        },
        "max_scale": {"before": old["max_scale"], "after": new["max_scale"]},
    }
