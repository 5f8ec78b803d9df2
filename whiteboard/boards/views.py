"""Server-rendered pages for boards: the list, a board, sharing, and palette icons."""

from __future__ import annotations

import functools
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from whiteboard.boards import services, starters
from whiteboard.boards.access import boards_visible_to, get_board_for
from whiteboard.boards.models import Board
from whiteboard.boards.types import LimitExceeded
from whiteboard.domain import palette, review
from whiteboard.domain.board import (
    DIRECTIONS,
    MAX_POLICIES,
    POLICY_PREFIX,
    PROTOCOLS,
    ROUTES,
    WRITE_POLICIES,
    BoardError,
)
from whiteboard.domain.board_schema import policy_schema
from whiteboard.domain.estimate import ESTIMATE_PROPS, defaults_for
from whiteboard.domain.formats import IMPORT_NAMES, import_board
from whiteboard.domain.look import LOOK
from whiteboard.jsonscript import EncodedMembers, encoded_members, json_script
from whiteboard.limits import RateLimited, hit, too_many
from whiteboard.rendering import RenderError, board_layout_async
from whiteboard.templating import LIMITS
from whiteboard.typing import AuthedRequest

# The import form's format menu: detection first, then every importable format (SPEC 9).
IMPORT_FORMATS = [("auto", "Detect from the file"), *IMPORT_NAMES.items()]


def _error_text(exc: BoardError) -> str:
    return "; ".join(f"{e['loc']}: {e['msg']}" if e["loc"] else e["msg"] for e in exc.errors[:5])


@require_GET
@login_required
def board_list(request: AuthedRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    rows = boards_visible_to(request.user, name_contains=query)
    context = {"rows": rows, "query": query, "starters": starters.starters(), "import_formats": IMPORT_FORMATS}
    if request.htmx and request.htmx.target == "board-rows":
        return render(request, "boards/list.html#rows", context)
    return render(request, "boards/list.html", context)


MAX_SHOWN_WARNINGS = 50


@require_POST
@login_required
def board_create(request: AuthedRequest) -> HttpResponse:
    """An empty board, or one imported from an uploaded or pasted file of any importable format
    (SPEC 9). The list page's import form asks with htmx and shows the warnings in place;
    without JavaScript the new board opens with them as messages."""
    upload = request.FILES.get("document")
    text = request.POST.get("text", "")
    template_id = request.POST.get("template")
    importing = upload is not None or bool(text.strip())
    warnings: list[dict[str, str]] = []
    try:
        hit("board_create", request.user.pk)
        if template_id:
            template = starters.starter(template_id)
            if template is None:
                raise BoardError.one("template", "no such template")
            board = services.board_create(owner=request.user, document=template.document())
        elif importing:
            raw = upload.read() if upload is not None else text.encode("utf-8", "surrogatepass")
            result = import_board(
                raw, fmt=request.POST.get("format") or "auto", filename=upload.name if upload is not None else None
            )
            warnings = result.warnings
            board = services.board_create(owner=request.user, document=result.board)
        else:
            name = request.POST.get("name", "").strip()[:200] or "Untitled board"
            board = services.board_create_empty(owner=request.user, name=name)
    except BoardError as exc:
        if request.htmx and importing:
            return render(request, "boards/list.html#imported", {"errors": exc.errors[:MAX_SHOWN_WARNINGS]})
        messages.error(request, f"Could not create the board: {_error_text(exc)}")
        return redirect("board_list")
    except (LimitExceeded, RateLimited) as exc:
        if request.htmx and importing:
            return render(request, "boards/list.html#imported", {"errors": [{"loc": "", "msg": str(exc)}]})
        messages.error(request, str(exc))
        return redirect("board_list")
    if request.htmx and importing:
        context = {
            "board": board,
            "warnings": warnings[:MAX_SHOWN_WARNINGS],
            "more": len(warnings) > MAX_SHOWN_WARNINGS,
        }
        return render(request, "boards/list.html#imported", context)
    if warnings:
        shown = "; ".join(f"{w['loc']}: {w['msg']}" if w["loc"] else w["msg"] for w in warnings[:10])
        messages.warning(request, f"Imported with {len(warnings)} warning(s): {shown}")
    return redirect("board_detail", board_id=board.pk)


@require_POST
@login_required
def board_rename(request: AuthedRequest, board_id: int) -> HttpResponse:
    board, role = get_board_for(request.user, board_id, need="edit")
    name = request.POST.get("name", "").strip()
    try:
        services.board_rename(board=board, name=name, user=request.user)
    except BoardError as exc:
        messages.error(request, f"Could not rename: {_error_text(exc)}")
    board.refresh_from_db()
    if request.htmx:
        return render(request, "boards/list.html#row", {"board": board, "role": role})
    return redirect("board_list")


@require_POST
@login_required
def board_duplicate(request: AuthedRequest, board_id: int) -> HttpResponse:
    board, _ = get_board_for(request.user, board_id, need="view")
    try:
        hit("board_create", request.user.pk)
        copy = services.board_duplicate(board=board, user=request.user)
    except (LimitExceeded, RateLimited) as exc:
        messages.error(request, str(exc))
        return redirect("board_list")
    messages.success(request, f"Duplicated as “{copy.name}”.")
    return redirect("board_list")


@require_POST
@login_required
def board_delete(request: AuthedRequest, board_id: int) -> HttpResponse:
    board, _ = get_board_for(request.user, board_id, need="own")
    name = board.name
    services.board_delete(board=board)
    if request.htmx:
        return HttpResponse("")
    messages.success(request, f"Deleted “{name}”.")
    return redirect("board_list")


@require_GET
@login_required
def board_detail(request: AuthedRequest, board_id: int) -> HttpResponse:
    board, role = get_board_for(request.user, board_id, need="view")
    context = {
        "board": board,
        "role": role,
        "panels": _editor_panels(get_script_prefix()),
        "editor_config": _editor_config(request, board, role),
    }
    return render(request, "boards/editor.html", context)


@functools.cache
def _editor_panels(script_prefix: str) -> dict[str, SafeString]:
    """The editor page's panels that only the code decides, rendered once per process: the
    palette, the toolbar and the properties forms are most of the page's 450 template nodes."""
    context = {
        "categories": _palette_categories(script_prefix),
        "protocols": PROTOCOLS,
        "routes": ROUTES,
        "write_policies": WRITE_POLICIES,
        "directions": DIRECTIONS,
        "estimate_props": _estimate_fields(),
        "limits": LIMITS,
    }
    return {
        "palette": render_to_string("boards/editor.html#palette", context),
        "toolbar": render_to_string("boards/editor.html#toolbar", context),
        "properties": render_to_string("boards/_properties.html", context),
    }


@functools.cache
def _estimate_fields() -> dict[str, list[dict[str, Any]]]:
    """The estimate props of nodes and of edges as the properties panel's number fields, from
    their one declaration (ranges, units, the kinds that read them)."""
    fields: dict[str, list[dict[str, Any]]] = {"node": [], "edge": []}
    for key, prop in ESTIMATE_PROPS.items():
        fields[prop.element].append(
            {
                "key": key,
                "label": prop.label,
                "unit": prop.unit,
                "only": prop.only,
                "help": f"{prop.description[0].upper()}{prop.description[1:]}; {prop.rule}.",
                "min": prop.low,
                "max": prop.high,
                "step": "1" if prop.integer else "any",
            }
        )
    return fields


def _editor_config(request: AuthedRequest, board: Board, role: str) -> SafeString:
    """What the editor's ES modules need, handed over in one json_script element: the board and
    the caller's part encoded for each page, the rest once per process (`_editor_constants`)."""
    own = {
        "boardId": board.pk,
        "version": board.version,
        "board": board.document,
        "role": role,
        "user": request.user.get_username(),
        "wsPath": f"/ws/boards/{board.pk}/",
        "reviewUrl": reverse("api:api_board_review", args=[board.pk]),
        "estimateUrl": reverse("api:api_board_estimate", args=[board.pk]),
        "commentsUrl": reverse("comments", args=[board.pk]),
        "markersUrl": reverse("api:api_comment_markers", args=[board.pk]),
        "reviewStatusUrl": reverse("review_status", args=[board.pk]),
        "layoutUrl": reverse("board_layout", args=[board.pk]),
        "exportUrl": reverse("api:api_board_export", args=[board.pk, "FORMAT"]),
    }
    return json_script("editor-config", own, _editor_constants(get_script_prefix()))


@functools.cache
def _editor_constants(script_prefix: str) -> EncodedMembers:
    """The editor config's members that only the code decides (the palette with its techs, the
    rules, the policy schema: about 60 KB of JSON), encoded and escaped once per process rather
    than for every page, where they would cost more than the rest of the page together."""
    return encoded_members(
        {
            "kinds": _editor_kinds(script_prefix),
            "rules": _editor_rules(script_prefix),
            "categories": palette.CATEGORIES,
            # The policy form checks what it can before sending, against the schema the server uses.
            "policies": {"max": MAX_POLICIES, "prefix": POLICY_PREFIX, "schema": policy_schema()},
            "look": LOOK,
        }
    )


def kind_icon_url(kind: palette.Kind) -> str | None:
    """Where a kind's icon is served; None for a kind drawn as text (a note)."""
    return reverse("palette_icon", args=[kind.id]) if kind.drawn else None


def tech_icon_url(tech: palette.Tech) -> str:
    return reverse("palette_tech_icon", args=[tech.id])


@functools.cache
def _editor_rules(script_prefix: str) -> dict[str, dict[str, str]]:
    """Each review rule's title, default severity and documentation page, for the Review tab."""
    return {
        rule.id: {"title": rule.title, "severity": rule.severity, "url": reverse("rule_detail", args=[rule.id])}
        for rule in review.RULES.values()
    }


@functools.cache
def _editor_kinds(script_prefix: str) -> dict[str, dict[str, Any]]:
    """The palette for the editor, techs included: the same on every page, and a few hundred URL
    reversals to build."""
    return {
        kind.id: {
            "name": kind.name,
            "category": kind.category,
            "icon": kind_icon_url(kind),
            "techs": [{"id": t.id, "name": t.name, "icon": tech_icon_url(t)} for t in palette.techs_of(kind.id)],
            # What the estimate assumes when a node does not say (as /api/palette serves it).
            "defaults": defaults_for(kind.id),
        }
        for kind in palette.KINDS.values()
    }


@functools.cache
def _palette_categories(script_prefix: str) -> tuple[tuple[str, tuple[dict[str, Any], ...]], ...]:
    """The editor's palette panel by category, with each kind's icon URL and search text ready:
    built once, like `_editor_kinds`, rather than 33 URL reversals in every page render."""
    kinds = _editor_kinds(script_prefix)
    return tuple(
        (
            palette.CATEGORIES[category],
            tuple(
                {
                    **kinds[kind.id],
                    "id": kind.id,
                    # Technologies are found too: "redis" finds the cache.
                    "search": " ".join(
                        [kind.id, kind.name.lower(), palette.CATEGORIES[category].lower()]
                        + [f"{t.id} {t.name.lower()}" for t in palette.techs_of(kind.id)]
                    ),
                }
                for kind in members
            ),
        )
        for category, members in palette.kinds_by_category().items()
    )


@require_GET
@login_required
async def board_layout(request: AuthedRequest, board_id: int) -> HttpResponse:
    """Positions for every node of the stored board from the auto-layout (`domain.layout`)."""
    user = await request.auser()
    board, _ = await sync_to_async(get_board_for)(user, board_id, need="edit")
    try:
        positions = await board_layout_async(board.document, budget=user.pk)
    except RenderError as exc:
        return JsonResponse({"detail": exc.message, "errors": []}, status=exc.status)
    except RateLimited as exc:
        return too_many(exc, json_body=True)
    return JsonResponse({"version": board.version, "positions": positions})


@require_GET
@cache_control(public=True, max_age=86400)
def palette_icon(request: HttpRequest, kind: str) -> FileResponse:
    if kind not in palette.KINDS or not palette.KINDS[kind].drawn:
        raise Http404("No such kind, or a kind without an icon.")
    return FileResponse(palette.icon_path(kind).open("rb"), content_type="image/png")


@require_GET
@cache_control(public=True, max_age=86400)
def palette_tech_icon(request: HttpRequest, tech: str) -> FileResponse:
    if tech not in palette.TECHS:
        raise Http404("No such technology.")
    return FileResponse(
        palette.class_icon_path(palette.TECHS[tech].diagrams_class).open("rb"), content_type="image/png"
    )
