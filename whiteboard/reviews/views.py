"""Review pages: the findings panel, comment threads, the review status, and a page per rule."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from whiteboard.boards.access import get_board_for
from whiteboard.boards.models import Board
from whiteboard.boards.sharing import members
from whiteboard.domain import review as engine
from whiteboard.domain.board import MAX_POLICIES, POLICY_PREFIX, BoardError
from whiteboard.limits import RateLimited, too_many
from whiteboard.reviews import services
from whiteboard.reviews.models import ReviewStatus, Thread
from whiteboard.reviews.running import review_of
from whiteboard.typing import AuthedRequest


def _grouped(findings: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    return [(s, [f for f in findings if f["severity"] == s and not f["suppressed"]]) for s in engine.SEVERITIES]


def _described(board: Board, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Findings with what the panel shows beside them: node labels, the rule's title, and
    whether the rule is one of the board's own policies."""
    labels = {n["id"]: n["label"] or n["id"] for n in board.document["nodes"]}
    return [
        {
            **f,
            "node_labels": [labels.get(n, n) for n in f["nodes"]],
            "title": engine.rule_title(f["rule"]),
            "policy": f["rule"].removeprefix(POLICY_PREFIX) if f["rule"].startswith(POLICY_PREFIX) else None,
        }
        for f in findings
    ]


@require_GET
@login_required
def review_panel(request: AuthedRequest, board_id: int) -> HttpResponse:
    board, _ = get_board_for(request.user, board_id, need="view")
    result = review_of(board)
    findings = _described(board, result["findings"])
    since = services.changes_since_named(board, result)
    if since is not None:
        since = {**since, "new": _described(board, since["new"]), "fixed": _described(board, since["fixed"])}
    context = {
        "board": board,
        "result": result,
        "groups": _grouped(findings),
        "suppressed": [f for f in findings if f["suppressed"]],
        "warnings": result.get("warnings", []),
        "since": since,
    }
    return render(request, "reviews/panel.html", context)


@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    return render(request, "reviews/rules.html", {"rules": engine.rule_docs(), "max_policies": MAX_POLICIES})


@require_GET
def rule_detail(request: HttpRequest, rule_id: str) -> HttpResponse:
    if rule_id.startswith(POLICY_PREFIX):
        # A board's own rule: its page is the board; how policies work is on the rule list.
        return redirect(reverse("rule_list") + "#policies")
    doc = next((r for r in engine.rule_docs() if r["id"] == rule_id), None)
    if doc is None:
        raise Http404("No such rule.")
    return render(request, "reviews/rule.html", {"rule": doc})


# --- comment threads ---------------------------------------------------------------------------


def _status(request: AuthedRequest, problem: str | None) -> int:
    """422 for a refused form, except to htmx, which swaps only 2xx answers into the page."""
    return 422 if problem and not request.htmx else 200


def _threads_context(request: AuthedRequest, board: Board, role: str, target: str | None) -> dict[str, Any]:
    status = request.GET.get("status") or None
    try:
        threads = list(services.threads_for(board, target=target, status=status))
    except BoardError:
        raise Http404("No such target.")
    rows = [(t, services.target_info(t, board)) for t in threads]
    return {
        "board": board,
        "role": role,
        "rows": rows,
        "target": target or "",
        "target_name": services.target_name(board, target),
        "status": status or "",
    }


@require_http_methods(["GET", "POST"])
@login_required
def comments(request: AuthedRequest, board_id: int) -> HttpResponse:
    """The board's threads (`?target=node:ID` for one element's); POST opens a thread."""
    board, role = get_board_for(request.user, board_id, need="view")
    target = request.GET.get("target") or request.POST.get("target") or None
    problem = None
    text = ""
    if request.method == "POST":
        text = request.POST.get("text") or ""
        try:
            services.thread_create(board=board, user=request.user, target=target or "board", body=text)
        except BoardError as exc:
            problem = "; ".join(e["msg"] for e in exc.errors)
        except RateLimited as exc:
            return too_many(exc, json_body=False)
        if problem is None and not request.htmx:
            return redirect(_comments_url(board, target))
    # A refused comment comes back in its box: what was typed is never lost.
    context = {**_threads_context(request, board, role, target), "problem": problem, "text": text if problem else ""}
    template = "reviews/comments.html#threads" if request.htmx else "reviews/comments.html"
    return render(request, template, context, status=_status(request, problem))


def _comments_url(board: Board, target: str | None) -> str:
    url = reverse("comments", args=[board.pk])
    return f"{url}?{urlencode({'target': target})}" if target else url


def _thread_for(request: AuthedRequest, board_id: int, thread_id: int) -> tuple[Board, str, Thread]:
    board, role = get_board_for(request.user, board_id, need="view")
    try:
        return board, role, services.thread_get(board, thread_id)
    except Thread.DoesNotExist:
        raise Http404("No such thread.")


def _thread_response(
    request: AuthedRequest, board: Board, role: str, thread_id: int, problem: str | None
) -> HttpResponse:
    if not request.htmx:
        if problem:
            messages.error(request, problem)
        return redirect(_comments_url(board, None))
    thread = services.thread_get(board, thread_id)
    info = services.target_info(thread, board)
    context = {"board": board, "role": role, "thread": thread, "info": info, "problem": problem}
    return render(request, "reviews/comments.html#thread", context, status=_status(request, problem))


@require_POST
@login_required
def comment_reply(request: AuthedRequest, board_id: int, thread_id: int) -> HttpResponse:
    board, role, thread = _thread_for(request, board_id, thread_id)
    problem = None
    try:
        services.thread_reply(board=board, thread=thread, user=request.user, body=request.POST.get("text"))
    except BoardError as exc:
        problem = "; ".join(e["msg"] for e in exc.errors)
    except RateLimited as exc:
        return too_many(exc, json_body=False)
    return _thread_response(request, board, role, thread.pk, problem)


@require_POST
@login_required
def comment_resolve(request: AuthedRequest, board_id: int, thread_id: int) -> HttpResponse:
    board, role, thread = _thread_for(request, board_id, thread_id)
    resolved = request.POST.get("resolved", "1") == "1"
    services.thread_set_resolved(board=board, thread=thread, user=request.user, role=role, resolved=resolved)  # type: ignore[arg-type]
    return _thread_response(request, board, role, thread.pk, None)


# --- review status -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def review_status(request: AuthedRequest, board_id: int) -> HttpResponse:
    """The review status panel; POST moves the review on (editors and the owner; reviewers decide)."""
    board, role = get_board_for(request.user, board_id, need="view" if request.method == "GET" else "edit")
    problem = None
    if request.method == "POST":
        reviewers = [r for r in request.POST.getlist("reviewers") if r] or None
        try:
            services.review_set_status(
                board=board,
                user=request.user,
                status=request.POST.get("status", ""),
                reviewers=reviewers,
                note=request.POST.get("note", ""),
            )
        except BoardError as exc:
            problem = "; ".join(e["msg"] for e in exc.errors)
        if problem is None and not request.htmx:
            return redirect("review_status", board_id=board.pk)
    state = services.review_state(board)
    context = {
        "board": board,
        "role": role,
        "state": state,
        "reviewers": sorted(u.get_username() for u in state.reviewers.all()),
        "candidates": [u.get_username() for u, r in members(board) if r != "viewer"],
        "next": services.TRANSITIONS[state.status],
        "statuses": dict(ReviewStatus.choices),
        "events": services.review_history(board)[:20],
        "blocking": services.blocking_findings(board),
        "problem": problem,
    }
    template = "reviews/status.html#panel" if request.htmx else "reviews/status.html"
    return render(request, template, context, status=_status(request, problem))
