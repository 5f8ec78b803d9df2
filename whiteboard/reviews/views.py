"""Review pages: the findings panel of a board (an htmx partial) and a page per rule."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from whiteboard.boards.access import get_board_for
from whiteboard.domain import review as engine
from whiteboard.typing import AuthedRequest


def _grouped(findings: list[dict]) -> list[tuple[str, list[dict]]]:
    return [(s, [f for f in findings if f["severity"] == s and not f["suppressed"]]) for s in engine.SEVERITIES]


@require_GET
@login_required
def review_panel(request: AuthedRequest, board_id: int) -> HttpResponse:
    board, role = get_board_for(request.user, board_id, need="view")
    result = engine.review_board(board.document, version=board.version)
    labels = {n["id"]: n["label"] or n["id"] for n in board.document["nodes"]}
    findings = [
        {**f, "node_labels": [labels.get(n, n) for n in f["nodes"]], "title": engine.RULES[f["rule"]].title}
        for f in result["findings"]
    ]
    context = {
        "board": board,
        "result": result,
        "groups": _grouped(findings),
        "suppressed": [f for f in findings if f["suppressed"]],
        "warnings": result.get("warnings", []),
    }
    return render(request, "reviews/panel.html", context)


@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    return render(request, "reviews/rules.html", {"rules": engine.rule_docs()})


@require_GET
def rule_detail(request: HttpRequest, rule_id: str) -> HttpResponse:
    doc = next((r for r in engine.rule_docs() if r["id"] == rule_id), None)
    if doc is None:
        raise Http404("No such rule.")
    return render(request, "reviews/rule.html", {"rule": doc})
